#pragma once

// The JSON shapes of what Redis records (proxy.hpp: /elections, /leaders and
// the "record" events). Each carries the original project's fields, with the
// original's meaning and units, beside ours.
//
// Redis records ids only; the original's fields hold names (host:port). The
// names come from NodeNames, which the caller fills from what it knows (the
// nodes it polls, the leaders' records). A node it does not know (one that
// left the cluster before the proxy started) has the name null: a name made
// up from its id would look like an address and lead nowhere.

#include <raftescort/registry/registry.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace raftescort::proxy {

/// Node names (host:port) by node id.
using NodeNames = std::map<std::uint64_t, std::string>;

/// A known node's name as a JSON string, null for an unknown one.
nlohmann::json name_json(const NodeNames& names, raft::NodeId id);

/// One candidacy of `term`:
///   {"candidate": id, "_name": name, "term", "outcome",
///    "ballots": [ballot, ...] (sorted by voter id),
///    "ballots_by_id": {"<voter>": granted}, "reasons": {"<voter>": "<refusal>"}}
/// ballot = {"sender": voter name, "receiver": candidate name, "term",
///    "type": 2, "data": {"response": granted}, "voter": id, "granted",
///    "reason": refusal or null}: the original's cast-vote message (its
///    `type` 2 means a cast vote) with ours beside it.
nlohmann::json candidacy_json(const registry::CandidacyRecord& candidacy, raft::Term term,
                              const NodeNames& names);
/// [candidacy, ...] of one term.
nlohmann::json election_json(const registry::ElectionRecord& election, const NodeNames& names);
/// {"<term>": [candidacy, ...], ...}
nlohmann::json elections_json(const std::vector<registry::ElectionRecord>& elections,
                              const NodeNames& names);

/// The leader of one term; `election` is the same term's election record,
/// null when Redis holds none (then the fields that come from its ballots
/// are null: unknown, not zero).
///   "id", "name", "_name" (its host:port), "term"
///   "votes", "no_of_votes": the votes it won with, its own included
///   "voters", "no_of_expected_voters": the voters of its configuration,
///       itself included (the original: the nodes it asked, plus itself)
///   "no_of_opposing_votes": the voters that refused it before it won (a
///       candidate records ballots until it wins; the original waited for
///       every answer, here a later refusal changes nothing)
///   "no_of_voters": the voters that answered before it won, itself
///       included: no_of_votes + no_of_opposing_votes
///   "voted_for_me": the names of the voters that granted it, itself left
///       out as in the original; "voted_for_me_ids": their ids, same order
///   "leader_by_timeout": whether it took the lead without a majority of
///       votes, as the original's candidate could when its election timed
///       out; a Raft leader never does, so false for any sound record
///   "timestamp": when it took the lead, in seconds since the Unix epoch
///       (a float, as the original's); "timestamp_ms": the same in integer
///       milliseconds
nlohmann::json leader_json(const registry::LeaderRecord& leader,
                           const registry::ElectionRecord* election, const NodeNames& names);
/// {"<term>": leader, ...}
nlohmann::json leaders_json(const std::vector<registry::LeaderRecord>& leaders,
                            const std::vector<registry::ElectionRecord>& elections,
                            const NodeNames& names);

/// {"id", "kind", "node", "term", "index", "detail", "timestamp"}
nlohmann::json event_json(const registry::Event& event);

} // namespace raftescort::proxy
