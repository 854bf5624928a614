#include <raftescort/raft/persisted_state.hpp>

namespace raftescort::raft {

std::vector<Entry> bootstrap_entries(const ConfState& conf)
{
    std::vector<Entry> entries;
    Index index{0};
    auto add = [&](ConfChangeType type, NodeId node) {
        index = next(index);
        entries.push_back(Entry{Term{1}, index, EntryType::conf_change,
                                encode_conf_change(ConfChange{type, node, ""})});
    };
    // promote_voter of a node that is not a learner adds it as a voter.
    for (NodeId voter : conf.voters) {
        add(ConfChangeType::promote_voter, voter);
    }
    for (NodeId learner : conf.learners) {
        add(ConfChangeType::add_learner, learner);
    }
    return entries;
}

} // namespace raftescort::raft
