#pragma once

// The proxy's answers as tables and summary lines, shared by the commands
// and the watch frame. Pure: JSON in, text out; any field may be missing
// or of another type (it prints as "-").

#include "ctl/table.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace raftescort::ctl {

/// The roles table of `status` and `watch`: ID, ADDRESS, ROLE, TERM,
/// COMMIT, APPLIED, LAG, POSITION, LAST CONTACT, from GET /nodes data.
Table nodes_table(const nlohmann::json& nodes);
/// ID, NODE, (ROLE,) POSITION from GET /nodes/position or a move's
/// positions; ROLE only when some entry has one.
Table positions_table(const nlohmann::json& positions);
/// INDEX, TERM, TYPE, COMMAND from one node's GET /logs entries.
Table log_table(const nlohmann::json& entries);
/// "leader 2 (127.0.0.1:5002), term 7; 3 of 3 nodes reachable; redis
/// connected" from GET /status data.
std::string cluster_summary(const nlohmann::json& status);
/// "pre-vote on, check-quorum off" from the nodes' "timing" (as /nodes has
/// it); a switch the nodes disagree on reads "pre-vote on (off on 2, 3)".
/// Empty when no node reports the switches.
std::string protocol_summary(const nlohmann::json& nodes);

} // namespace raftescort::ctl
