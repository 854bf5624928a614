#pragma once

// The JSON shapes of the cluster view (proxy.hpp: /nodes, /nodes/full,
// /nodes/position, the "status" event), with the original project's `_name`
// alias beside `name`.

#include "proxy/view/node_view.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace raftescort::proxy {

/// The node's position: its own report while it answers, else the leader's
/// (every member's position follows from the replicated state, so the leader
/// knows where an unreachable member stands). Empty if neither knows.
std::optional<escort::Point> position_of(const ClusterSnapshot& snapshot, const NodeView& node);
/// Node `id`'s place as the leader's state has it (its status "positions"):
/// one applied index for every node, where each member's own report may lag
/// or, cut off from the leader, be stale. Empty without a leader or an entry.
std::optional<escort::Point> leader_position_of(const ClusterSnapshot& snapshot, std::uint64_t id);

/// How long after a node's last answer its data counts as stale: one poll
/// interval plus this much for the poll's own round trip and scheduling.
inline constexpr std::int64_t k_poll_answer_allowance_ms = 50;

/// {"id", "name", "_name", "role", "term", "position", "commit_index",
/// "applied_index", "lag", "last_contact_ms", "faults", "timing",
/// "formation_position", "data_age_ms", "data_stale"}; faults and timing as
/// node_faults.hpp gives them, formation_position as leader_position_of. data_age_ms is how long ago, at `now_ms` (monotonic), the proxy last
/// had an answer from the node (null before its first); data_stale says it
/// missed a poll (data_age_ms over the poll interval plus the allowance, or
/// no answer yet). Without `now_ms`, the clock's now.
nlohmann::json node_json(const ClusterSnapshot& snapshot, const NodeView& node);
nlohmann::json node_json(const ClusterSnapshot& snapshot, const NodeView& node,
                         std::int64_t now_ms);
/// [node_json, ...] sorted by id.
nlohmann::json nodes_json(const ClusterSnapshot& snapshot);
nlohmann::json nodes_json(const ClusterSnapshot& snapshot, std::int64_t now_ms);
/// The node's own GET /status plus "_name"; an unreachable node as
/// {"id", "name", "_name", "role": "unreachable"}.
nlohmann::json node_full_json(const NodeView& node);
/// [{"node", "_name", "id", "role", "position"}, ...]
nlohmann::json positions_json(const ClusterSnapshot& snapshot);
/// A node's positions list ([{"id", "position"}], in a committed answer)
/// with the names the API shows: [{"id", "node", "_name", "position"}].
nlohmann::json named_positions(const nlohmann::json& positions, const ClusterSnapshot& snapshot);
/// {"nodes": nodes_json, "leader", "leader_name", "term"}
nlohmann::json status_event_json(const ClusterSnapshot& snapshot);

} // namespace raftescort::proxy
