#include "raft/quorum.hpp"

#include <algorithm>
#include <functional>

namespace raftescort::raft::quorum {

std::size_t majority(std::size_t voters) { return voters / 2 + 1; }

Index majority_index(std::vector<Index> matches)
{
    if (matches.empty()) {
        return Index{0};
    }
    // Sorted highest first, the majority-th one is held by a majority.
    std::sort(matches.begin(), matches.end(), std::greater<>());
    return matches[majority(matches.size()) - 1];
}

VoteResult tally(const std::set<NodeId>& voters, const std::map<NodeId, bool>& votes)
{
    std::size_t granted = 0;
    std::size_t refused = 0;
    for (const auto& [voter, vote] : votes) {
        if (voters.count(voter) == 0) {
            continue;
        }
        vote ? ++granted : ++refused;
    }
    if (granted >= majority(voters.size())) {
        return VoteResult::won;
    }
    // Lost as soon as the voters yet to answer cannot make up a majority,
    // not only once a majority refused: with four voters, two refusals
    // already decide it, and the candidate need not wait out its timeout.
    if (voters.size() - refused < majority(voters.size())) {
        return VoteResult::lost;
    }
    return VoteResult::pending;
}

bool has_majority(const std::set<NodeId>& voters, const std::set<NodeId>& nodes)
{
    std::size_t count = 0;
    for (NodeId node : nodes) {
        count += voters.count(node);
    }
    return count >= majority(voters.size());
}

} // namespace raftescort::raft::quorum
