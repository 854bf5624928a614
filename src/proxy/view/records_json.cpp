#include "proxy/view/records_json.hpp"

#include <algorithm>
#include <string>

namespace raftescort::proxy {

using nlohmann::json;

namespace {

/// The original's message type of a cast vote (its RequestVote was 1,
/// CastVote 2): a client that filters ballots by type finds them.
constexpr int k_cast_vote_type = 2;

constexpr double k_ms_per_second = 1000.0;

json ballot_json(const registry::BallotRecord& ballot, raft::NodeId candidate, raft::Term term,
                 const NodeNames& names)
{
    return json{{"sender", name_json(names, ballot.voter)},
                {"receiver", name_json(names, candidate)},
                {"term", term.value},
                {"type", k_cast_vote_type},
                {"data", {{"response", ballot.granted}}},
                {"voter", ballot.voter.value},
                {"granted", ballot.granted},
                {"reason", ballot.granted ? json(nullptr) : json(ballot.refusal)}};
}

const registry::CandidacyRecord* candidacy_of(const registry::ElectionRecord* election,
                                              raft::NodeId candidate)
{
    if (election == nullptr) {
        return nullptr;
    }
    for (const registry::CandidacyRecord& candidacy : election->candidacies) {
        if (candidacy.candidate == candidate) {
            return &candidacy;
        }
    }
    return nullptr;
}

} // namespace

json name_json(const NodeNames& names, raft::NodeId id)
{
    auto found = names.find(id.value);
    if (found == names.end() || found->second.empty()) {
        return nullptr;
    }
    return found->second;
}

json candidacy_json(const registry::CandidacyRecord& candidacy, raft::Term term,
                    const NodeNames& names)
{
    json ballots = json::array();
    json ballots_by_id = json::object();
    json reasons = json::object();
    for (const registry::BallotRecord& ballot : candidacy.ballots) {
        const std::string voter = std::to_string(ballot.voter.value);
        ballots.push_back(ballot_json(ballot, candidacy.candidate, term, names));
        ballots_by_id[voter] = ballot.granted;
        if (!ballot.granted) {
            reasons[voter] = ballot.refusal;
        }
    }
    return json{{"candidate", candidacy.candidate.value},
                {"_name", name_json(names, candidacy.candidate)},
                {"term", term.value},
                {"outcome", registry::election_outcome_name(candidacy.outcome)},
                {"ballots", ballots},
                {"ballots_by_id", ballots_by_id},
                {"reasons", reasons}};
}

json election_json(const registry::ElectionRecord& election, const NodeNames& names)
{
    json candidacies = json::array();
    for (const registry::CandidacyRecord& candidacy : election.candidacies) {
        candidacies.push_back(candidacy_json(candidacy, election.term, names));
    }
    return candidacies;
}

json elections_json(const std::vector<registry::ElectionRecord>& elections, const NodeNames& names)
{
    json all = json::object();
    for (const registry::ElectionRecord& election : elections) {
        all[std::to_string(election.term.value)] = election_json(election, names);
    }
    return all;
}

json leader_json(const registry::LeaderRecord& leader, const registry::ElectionRecord* election,
                 const NodeNames& names)
{
    json record{{"id", leader.id.value},
                {"name", leader.name},
                {"_name", leader.name},
                {"term", leader.term.value},
                {"votes", leader.votes},
                {"voters", leader.voters},
                {"no_of_votes", leader.votes},
                {"no_of_expected_voters", leader.voters},
                // A Raft leader holds a majority of its configuration's votes
                // (§5.2); only a record that breaks that could say true.
                {"leader_by_timeout", std::uint64_t{leader.votes} * 2 <= leader.voters},
                {"timestamp", static_cast<double>(leader.timestamp_ms) / k_ms_per_second},
                {"timestamp_ms", leader.timestamp_ms}};
    const registry::CandidacyRecord* candidacy = candidacy_of(election, leader.id);
    if (candidacy == nullptr) {
        // Without its ballots nobody knows who answered it.
        for (const char* unknown :
             {"no_of_voters", "no_of_opposing_votes", "voted_for_me", "voted_for_me_ids"}) {
            record[unknown] = nullptr;
        }
        return record;
    }
    json voted_for_me = json::array();
    json voted_for_me_ids = json::array();
    std::uint64_t opposing = 0;
    for (const registry::BallotRecord& ballot : candidacy->ballots) {
        // A candidate votes for itself without a ballot; the original left
        // itself out of the list too.
        if (ballot.voter == leader.id) {
            continue;
        }
        if (ballot.granted) {
            voted_for_me.push_back(name_json(names, ballot.voter));
            voted_for_me_ids.push_back(ballot.voter.value);
        } else {
            ++opposing;
        }
    }
    // The votes are the candidate's own count as it won; the refusals come
    // from the ballots, since it counts only what it needs to win.
    record["no_of_opposing_votes"] = opposing;
    record["no_of_voters"] = std::uint64_t{leader.votes} + opposing;
    record["voted_for_me"] = voted_for_me;
    record["voted_for_me_ids"] = voted_for_me_ids;
    return record;
}

json leaders_json(const std::vector<registry::LeaderRecord>& leaders,
                  const std::vector<registry::ElectionRecord>& elections, const NodeNames& names)
{
    json all = json::object();
    for (const registry::LeaderRecord& leader : leaders) {
        auto election = std::find_if(
            elections.begin(), elections.end(),
            [&](const registry::ElectionRecord& record) { return record.term == leader.term; });
        all[std::to_string(leader.term.value)] =
            leader_json(leader, election == elections.end() ? nullptr : &*election, names);
    }
    return all;
}

json event_json(const registry::Event& event)
{
    return json{{"id", event.stream_id},          {"kind", registry::event_kind_name(event.kind)},
                {"node", event.node.value},       {"term", event.term.value},
                {"index", event.index.value},     {"detail", event.detail},
                {"timestamp", event.timestamp_ms}};
}

} // namespace raftescort::proxy
