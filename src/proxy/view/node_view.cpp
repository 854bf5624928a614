#include "proxy/view/node_view.hpp"

#include "proxy/view/node_faults.hpp"

#include <raftescort/transport/interface_ips.hpp>

namespace raftescort::proxy {

namespace {

using nlohmann::json;
using transport::k_interface_ips_max;

/// A non-negative integer (parsed JSON holds those as unsigned, JSON built
/// in code may hold them as signed); 0 for anything else.
std::uint64_t as_unsigned(const json& value)
{
    if (value.is_number_unsigned()) {
        return value.get<std::uint64_t>();
    }
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
        return static_cast<std::uint64_t>(value.get<std::int64_t>());
    }
    return 0;
}

std::uint64_t unsigned_field(const json& object, const char* name)
{
    auto it = object.find(name);
    return it == object.end() ? 0 : as_unsigned(*it);
}

std::string string_field(const json& object, const char* name)
{
    auto it = object.find(name);
    if (it == object.end() || !it->is_string()) {
        return {};
    }
    return it->get<std::string>();
}

bool bool_field(const json& object, const char* name)
{
    auto it = object.find(name);
    return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::optional<escort::Point> point_field(const json& object, const char* name)
{
    auto it = object.find(name);
    if (it == object.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_number_integer()
        || !(*it)[1].is_number_integer()) {
        return std::nullopt;
    }
    return escort::Point{(*it)[0].get<std::int64_t>(), (*it)[1].get<std::int64_t>()};
}

std::vector<std::uint64_t> ids_field(const json& object, const char* name)
{
    std::vector<std::uint64_t> ids;
    auto it = object.find(name);
    if (it == object.end() || !it->is_array()) {
        return ids;
    }
    for (const json& item : *it) {
        if (as_unsigned(item) != 0) {
            ids.push_back(as_unsigned(item));
        }
    }
    return ids;
}

/// At most `count_max` non-empty strings of a list of strings; others skipped.
std::vector<std::string> strings_field(const json& object, const char* name, std::size_t count_max)
{
    std::vector<std::string> strings;
    auto it = object.find(name);
    if (it == object.end() || !it->is_array()) {
        return strings;
    }
    for (const json& item : *it) {
        if (strings.size() == count_max) {
            break;
        }
        if (item.is_string() && !item.get<std::string>().empty()) {
            strings.push_back(item.get<std::string>());
        }
    }
    return strings;
}

std::vector<PeerView> peers_field(const json& object)
{
    std::vector<PeerView> peers;
    auto it = object.find("peers");
    if (it == object.end() || !it->is_array()) {
        return peers;
    }
    for (const json& item : *it) {
        if (!item.is_object() || unsigned_field(item, "id") == 0) {
            continue;
        }
        PeerView peer;
        peer.id = unsigned_field(item, "id");
        peer.name = string_field(item, "name");
        peer.match_index = unsigned_field(item, "match_index");
        peer.learner = bool_field(item, "learner");
        auto contact = item.find("last_contact_ms");
        if (contact != item.end() && contact->is_number_integer()) {
            peer.last_contact_ms = contact->get<std::int64_t>();
        }
        peers.push_back(std::move(peer));
    }
    return peers;
}

} // namespace

std::string normalize_role(const std::string& role)
{
    if (role == "pre_candidate") {
        return "candidate";
    }
    return role;
}

util::Result<NodeView> parse_node_status(const json& body)
{
    if (!body.is_object()) {
        return util::make_error(util::ErrorCode::corrupt, "GET /status is not a JSON object");
    }
    NodeView view;
    view.id = unsigned_field(body, "id");
    if (view.id == 0) {
        return util::make_error(util::ErrorCode::corrupt, "GET /status has no positive \"id\"");
    }
    std::string role = string_field(body, "role");
    if (role.empty()) {
        return util::make_error(util::ErrorCode::corrupt, "GET /status has no \"role\"");
    }
    view.reachable = true;
    view.role = normalize_role(role);
    view.name = string_field(body, "name");
    view.term = unsigned_field(body, "term");
    view.leader = unsigned_field(body, "leader");
    view.leader_name = string_field(body, "leader_name");
    view.commit_index = unsigned_field(body, "commit_index");
    view.applied_index = unsigned_field(body, "applied_index");
    view.last_index = unsigned_field(body, "last_index");
    view.committed_in_term = bool_field(body, "committed_in_term");
    view.position = point_field(body, "position");
    view.lead = point_field(body, "lead").value_or(escort::Point{});
    view.voters = ids_field(body, "voters");
    view.learners = ids_field(body, "learners");
    view.peers = peers_field(body);
    view.own_name = view.name;
    view.interface_ips = strings_field(body, "interface_ips", k_interface_ips_max);
    view.faults = node_faults_from_status(body);
    view.timing = node_timing_from_status(body);
    view.status = body;
    return view;
}

std::uint64_t choose_leader(const std::vector<NodeView>& nodes)
{
    const NodeView* best = nullptr;
    for (const NodeView& node : nodes) {
        if (!node.reachable || node.role != "leader") {
            continue;
        }
        // Two nodes may both say leader for a moment (a deposed one that has
        // not heard the news); the higher term is the real one (Raft §5.1).
        if (best == nullptr || node.term > best->term) {
            best = &node;
        }
    }
    return best == nullptr ? 0 : best->id;
}

const NodeView* ClusterSnapshot::find(std::uint64_t id) const
{
    for (const NodeView& node : nodes) {
        if (node.id == id) {
            return &node;
        }
    }
    return nullptr;
}

const NodeView* ClusterSnapshot::leader_view() const
{
    return leader == 0 ? nullptr : find(leader);
}

std::size_t ClusterSnapshot::reachable_count() const
{
    std::size_t count = 0;
    for (const NodeView& node : nodes) {
        count += node.reachable ? 1 : 0;
    }
    return count;
}

} // namespace raftescort::proxy
