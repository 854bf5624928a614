#include "proxy/view/cluster_json.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/util/assert.hpp>

#include <algorithm>

namespace raftescort::proxy {

using nlohmann::json;

namespace {

json point_json(const std::optional<escort::Point>& point)
{
    if (!point) {
        return nullptr;
    }
    return json::array({point->x, point->y});
}

/// The leader's own record of `node`: its peer entry.
const PeerView* leader_peer(const ClusterSnapshot& snapshot, std::uint64_t id)
{
    const NodeView* leader = snapshot.leader_view();
    if (leader == nullptr) {
        return nullptr;
    }
    for (const PeerView& peer : leader->peers) {
        if (peer.id == id) {
            return &peer;
        }
    }
    return nullptr;
}

/// Never negative: a snapshot taken just after `now_ms` was read may hold a
/// slightly later answer.
json data_age_json(const NodeView& node, std::int64_t now_ms)
{
    if (!node.answered_at_ms) {
        return nullptr;
    }
    return std::max<std::int64_t>(0, now_ms - *node.answered_at_ms);
}

bool data_stale(const ClusterSnapshot& snapshot, const NodeView& node, std::int64_t now_ms)
{
    RE_ASSERT(snapshot.poll_interval_ms > 0);
    // Nothing heard yet is no fresh data either.
    if (!node.answered_at_ms) {
        return true;
    }
    return now_ms - *node.answered_at_ms > snapshot.poll_interval_ms + k_poll_answer_allowance_ms;
}

} // namespace

std::optional<escort::Point> leader_position_of(const ClusterSnapshot& snapshot, std::uint64_t id)
{
    const NodeView* leader = snapshot.leader_view();
    if (leader == nullptr || !leader->status.is_object()) {
        return std::nullopt;
    }
    auto positions = leader->status.find("positions");
    if (positions == leader->status.end() || !positions->is_array()) {
        return std::nullopt;
    }
    for (const json& entry : *positions) {
        if (entry.is_object() && entry.value("id", json(0)) == json(id)
            && entry.contains("position") && entry["position"].is_array()
            && entry["position"].size() == 2 && entry["position"][0].is_number_integer()
            && entry["position"][1].is_number_integer()) {
            return escort::Point{entry["position"][0].get<std::int64_t>(),
                                 entry["position"][1].get<std::int64_t>()};
        }
    }
    return std::nullopt;
}

std::optional<escort::Point> position_of(const ClusterSnapshot& snapshot, const NodeView& node)
{
    if (node.reachable) {
        return node.position;
    }
    return leader_position_of(snapshot, node.id);
}

json node_json(const ClusterSnapshot& snapshot, const NodeView& node)
{
    return node_json(snapshot, node, transport::monotonic_ms());
}

json node_json(const ClusterSnapshot& snapshot, const NodeView& node, std::int64_t now_ms)
{
    json lag = nullptr;
    json last_contact = nullptr;
    if (node.id == snapshot.leader) {
        lag = 0;
        last_contact = 0;
    } else if (const PeerView* peer = leader_peer(snapshot, node.id)) {
        const NodeView* leader = snapshot.leader_view();
        lag = leader->last_index > peer->match_index ? leader->last_index - peer->match_index : 0;
        if (peer->last_contact_ms) {
            last_contact = *peer->last_contact_ms;
        }
    }
    return json{{"id", node.id},
                {"name", node.name},
                {"_name", node.name},
                {"role", node.role},
                {"term", node.term},
                {"position", point_json(position_of(snapshot, node))},
                {"commit_index", node.commit_index},
                {"applied_index", node.applied_index},
                {"lag", lag},
                {"last_contact_ms", last_contact},
                {"faults", node.faults.is_array() ? node.faults : json::array()},
                {"timing", node.timing},
                {"formation_position", point_json(leader_position_of(snapshot, node.id))},
                {"data_age_ms", data_age_json(node, now_ms)},
                {"data_stale", data_stale(snapshot, node, now_ms)}};
}

json nodes_json(const ClusterSnapshot& snapshot)
{
    return nodes_json(snapshot, transport::monotonic_ms());
}

json nodes_json(const ClusterSnapshot& snapshot, std::int64_t now_ms)
{
    json list = json::array();
    for (const NodeView& node : snapshot.nodes) {
        list.push_back(node_json(snapshot, node, now_ms));
    }
    return list;
}

json node_full_json(const NodeView& node)
{
    if (!node.reachable || !node.status.is_object()) {
        return json{{"id", node.id},
                    {"name", node.name},
                    {"_name", node.name},
                    {"role", k_role_unreachable}};
    }
    json full = node.status;
    full["_name"] = node.name;
    return full;
}

json positions_json(const ClusterSnapshot& snapshot)
{
    json list = json::array();
    for (const NodeView& node : snapshot.nodes) {
        list.push_back(json{{"node", node.name},
                            {"_name", node.name},
                            {"id", node.id},
                            {"role", node.role},
                            {"position", point_json(position_of(snapshot, node))}});
    }
    return list;
}

json named_positions(const json& positions, const ClusterSnapshot& snapshot)
{
    json list = json::array();
    if (!positions.is_array()) {
        return list;
    }
    for (const json& entry : positions) {
        if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_unsigned()) {
            continue;
        }
        const NodeView* node = snapshot.find(entry["id"].get<std::uint64_t>());
        const std::string name = node == nullptr ? std::string() : node->name;
        list.push_back(json{{"id", entry["id"]},
                            {"node", name},
                            {"_name", name},
                            {"position", entry.value("position", json(nullptr))}});
    }
    return list;
}

json status_event_json(const ClusterSnapshot& snapshot)
{
    const NodeView* leader = snapshot.leader_view();
    return json{{"nodes", nodes_json(snapshot)},
                {"leader", snapshot.leader},
                {"leader_name", leader == nullptr ? std::string() : leader->name},
                {"term", snapshot.term}};
}

} // namespace raftescort::proxy
