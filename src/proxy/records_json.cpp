#include "proxy/records_json.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace raftescort::proxy {

using nlohmann::json;

json candidacy_json(const registry::CandidacyRecord& candidacy)
{
    json ballots = json::object();
    json reasons = json::object();
    for (const registry::BallotRecord& ballot : candidacy.ballots) {
        const std::string voter = std::to_string(ballot.voter.value);
        ballots[voter] = ballot.granted;
        if (!ballot.granted) {
            reasons[voter] = ballot.refusal;
        }
    }
    return json{{"candidate", candidacy.candidate.value},
                {"outcome", registry::election_outcome_name(candidacy.outcome)},
                {"ballots", ballots},
                {"reasons", reasons}};
}

json election_json(const registry::ElectionRecord& election)
{
    json candidacies = json::array();
    for (const registry::CandidacyRecord& candidacy : election.candidacies) {
        candidacies.push_back(candidacy_json(candidacy));
    }
    return candidacies;
}

json elections_json(const std::vector<registry::ElectionRecord>& elections)
{
    json all = json::object();
    for (const registry::ElectionRecord& election : elections) {
        all[std::to_string(election.term.value)] = election_json(election);
    }
    return all;
}

json leader_json(const registry::LeaderRecord& leader, const registry::ElectionRecord* election)
{
    std::set<std::uint64_t> granted{leader.id.value};
    if (election != nullptr) {
        for (const registry::CandidacyRecord& candidacy : election->candidacies) {
            if (candidacy.candidate != leader.id) {
                continue;
            }
            for (const registry::BallotRecord& ballot : candidacy.ballots) {
                if (ballot.granted) {
                    granted.insert(ballot.voter.value);
                }
            }
        }
    }
    return json{{"id", leader.id.value},
                {"name", leader.name},
                {"_name", leader.name},
                {"term", leader.term.value},
                {"votes", leader.votes},
                {"voters", leader.voters},
                {"no_of_votes", leader.votes},
                {"no_of_voters", leader.voters},
                {"voted_for_me", json(std::vector<std::uint64_t>(granted.begin(), granted.end()))},
                {"timestamp", leader.timestamp_ms}};
}

json leaders_json(const std::vector<registry::LeaderRecord>& leaders,
                  const std::vector<registry::ElectionRecord>& elections)
{
    json all = json::object();
    for (const registry::LeaderRecord& leader : leaders) {
        auto election = std::find_if(
            elections.begin(), elections.end(),
            [&](const registry::ElectionRecord& record) { return record.term == leader.term; });
        all[std::to_string(leader.term.value)] =
            leader_json(leader, election == elections.end() ? nullptr : &*election);
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
