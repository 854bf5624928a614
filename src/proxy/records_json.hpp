#pragma once

// The JSON shapes of what Redis records (proxy.hpp: /elections, /leaders and
// the "record" events), with the original project's aliases beside ours.

#include <raftescort/registry/registry.hpp>

#include <nlohmann/json.hpp>

#include <vector>

namespace raftescort::proxy {

/// {"candidate", "outcome", "ballots": {"<voter>": granted}, "reasons": {...}}
nlohmann::json candidacy_json(const registry::CandidacyRecord& candidacy);
/// [candidacy, ...] of one term.
nlohmann::json election_json(const registry::ElectionRecord& election);
/// {"<term>": [candidacy, ...], ...}
nlohmann::json elections_json(const std::vector<registry::ElectionRecord>& elections);

/// {"id", "name", "_name", "term", "votes", "voters", "no_of_votes",
/// "no_of_voters", "voted_for_me", "timestamp"}. `election` is the same
/// term's election record, if any: voted_for_me lists the voters that
/// granted the leader's candidacy, and the leader itself (it votes for
/// itself, and `votes` counts that vote).
nlohmann::json leader_json(const registry::LeaderRecord& leader,
                           const registry::ElectionRecord* election);
/// {"<term>": leader, ...}; `elections` may be empty (then voted_for_me
/// holds only the leader).
nlohmann::json leaders_json(const std::vector<registry::LeaderRecord>& leaders,
                            const std::vector<registry::ElectionRecord>& elections);

/// {"id", "kind", "node", "term", "index", "detail", "timestamp"}
nlohmann::json event_json(const registry::Event& event);

} // namespace raftescort::proxy
