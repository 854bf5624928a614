#pragma once

// The body of POST /timing, read the same way by the node (which merges it
// with the timing in force and proposes it) and the proxy (which refuses a
// bad one before it forwards it to the leader).

#include <raftescort/escort/escort.hpp>
#include <raftescort/transport/json_body.hpp>

#include <nlohmann/json.hpp>

#include <optional>

namespace raftescort::transport {

/// The fields a POST /timing body may have (the node also takes "term").
inline constexpr const char* k_timing_fields[] = {"heartbeat_ms",     "election_timeout_ms",
                                                  "step_interval_ms", "pre_vote",
                                                  "check_quorum",     "reset"};

/// A body of {"heartbeat_ms", "election_timeout_ms"[, "step_interval_ms"]}
/// (set together; an absent step interval is each node's own), and/or
/// {"pre_vote": bool}, {"check_quorum": bool}; or {"reset": true} alone.
/// Parts left out stay as they are in force. Returns nullopt after answering
/// 400 with a message naming the field: a switch that is not a boolean, a
/// duration missing, out of bounds or against the 3x rule, a reset with
/// anything else, or a body with none of these.
std::optional<escort::TimingChange> timing_change_of(const nlohmann::json& body,
                                                     httplib::Response& response,
                                                     ErrorReply reply_error);

/// One line for people: what the change sets, e.g. "heartbeat 100 ms,
/// election timeout 600 ms, pre-vote off".
std::string describe_timing_change(const escort::TimingChange& change);

} // namespace raftescort::transport
