#pragma once

// The JSON shapes of the node API (node_api.hpp). nlohmann-json stays
// inside src/node.

#include "node/node_loop.hpp"
#include "node/node_status.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace raftescort::node {

nlohmann::json point_json(const escort::Point& point);
nlohmann::json mission_json(const escort::Mission& mission);
nlohmann::json timing_json(const TimingStatus& timing);
/// A timing command's setting: durations in ms (0: each node's own) and the
/// switches as "own", "on" or "off".
nlohmann::json replicated_timing_json(const escort::Timing& timing);
nlohmann::json positions_json(const std::vector<NodePosition>& positions);
nlohmann::json status_json(const NodeStatus& status);
/// Counters and the fsync histogram (cumulative buckets, as Prometheus has them).
nlohmann::json metrics_json(const NodeMetrics& metrics);
nlohmann::json logged_entry_json(const LoggedEntry& entry);
/// One item of GET /raft/trace: the fields its type uses, by name.
nlohmann::json traced_message_json(const TracedMessage& message);
/// GET /raft/log's body, without the node's identity (the route adds it).
nlohmann::json log_window_json(const LogWindow& window);
/// The body of a committed request: term, index, result, lead, positions, mission.
nlohmann::json committed_json(const RequestOutcome& outcome);
const char* apply_result_name(escort::ApplyResult::Kind kind);

/// The node API's error answer, {"error": message}: every refusal of the
/// node's routes goes through it (and transport::read_json_object's).
void reply_error(httplib::Response& response, int status, const std::string& message);

} // namespace raftescort::node
