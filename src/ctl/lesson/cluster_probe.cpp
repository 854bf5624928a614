#include "ctl/lesson/cluster_probe.hpp"

#include "ctl/format.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace raftescort::ctl::lesson {

namespace {

using nlohmann::json;

std::vector<std::uint64_t> id_vector(const json& list)
{
    std::vector<std::uint64_t> ids;
    for (const json& id : as_list(list)) {
        if (id.is_number_unsigned()) {
            ids.push_back(id.get<std::uint64_t>());
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

NodeState node_state(const json& status)
{
    NodeState node;
    node.id = field_unsigned(status, "id");
    node.name = field_text(status, "name");
    node.role = field_text(status, "role");
    node.term = field_unsigned(status, "term");
    node.leader = field_unsigned(status, "leader");
    node.commit_index = field_unsigned(status, "commit_index");
    node.applied_index = field_unsigned(status, "applied_index");
    node.last_index = field_unsigned(status, "last_index");
    node.snapshot_index = field_unsigned(status, "snapshot_index");
    node.voters = id_vector(field(status, "voters"));
    node.learners = id_vector(field(status, "learners"));
    node.lead = field(status, "lead");
    node.timing = field(status, "timing");
    node.state_hash = field_text(status, "state_hash");
    node.raw = status;
    return node;
}

} // namespace

bool NodeState::is_voter(std::uint64_t member) const
{
    return std::find(voters.begin(), voters.end(), member) != voters.end();
}

const LogEntrySeen* LogWindowSeen::find(std::uint64_t index) const
{
    for (const LogEntrySeen& entry : entries) {
        if (entry.index == index) {
            return &entry;
        }
    }
    return nullptr;
}

ClusterProbe::ClusterProbe(ProxyClient& client)
    : m_client(client), m_client_id(make_lesson_client_id())
{ }

util::Result<std::vector<NodeState>> ClusterProbe::nodes()
{
    RE_TRY(list, m_client.get("/nodes/full"));
    std::vector<NodeState> nodes;
    for (const json& status : as_list(list)) {
        nodes.push_back(node_state(status));
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const NodeState& a, const NodeState& b) { return a.id < b.id; });
    return nodes;
}

util::Result<NodeState> ClusterProbe::node(std::uint64_t id)
{
    RE_TRY(all, nodes());
    for (NodeState& node : all) {
        if (node.id == id) {
            return std::move(node);
        }
    }
    return util::make_error(util::ErrorCode::not_found,
                            "the proxy lists no node " + std::to_string(id));
}

util::Result<NodeState> ClusterProbe::leader()
{
    RE_TRY(all, nodes());
    const NodeState* best = nullptr;
    for (const NodeState& node : all) {
        if (node.running() && node.role == "leader" && (best == nullptr || node.term > best->term)) {
            best = &node;
        }
    }
    if (best == nullptr) {
        return util::make_error(util::ErrorCode::unavailable, "no leader: " + nodes_text(all));
    }
    return *best;
}

util::Result<json> ClusterProbe::elections() { return m_client.get("/elections"); }

util::Result<LogWindowSeen> ClusterProbe::raft_log(std::uint64_t id,
                                                   std::optional<std::uint64_t> from,
                                                   std::uint64_t limit)
{
    std::string target = "/raft/log?node=" + std::to_string(id) + "&limit=" + std::to_string(limit);
    if (from) {
        target += "&from=" + std::to_string(*from);
    }
    RE_TRY(answer, m_client.get(target));
    LogWindowSeen window;
    window.first_index = field_unsigned(answer, "first_index");
    window.last_index = field_unsigned(answer, "last_index");
    window.commit_index = field_unsigned(answer, "commit_index");
    window.applied_index = field_unsigned(answer, "applied_index");
    window.snapshot_index = field_unsigned(answer, "snapshot_index");
    for (const json& entry : as_list(field(answer, "entries"))) {
        window.entries.push_back(LogEntrySeen{field_unsigned(entry, "index"),
                                              field_unsigned(entry, "term"),
                                              field_text(entry, "kind")});
    }
    for (const json& lost : as_list(field(answer, "overwritten"))) {
        window.overwritten.push_back(OverwrittenSeen{field_unsigned(lost, "index"),
                                                     field_unsigned(lost, "term"),
                                                     field_unsigned(lost, "replaced_by_term")});
    }
    return window;
}

util::Status ClusterProbe::fault(const json& body)
{
    RE_TRY(answer, m_client.post("/chaos", body));
    for (const json& node : as_list(field(answer, "nodes"))) {
        if (node.contains("error")) {
            return util::make_error(util::ErrorCode::unavailable,
                                    "node " + field_text(node, "id")
                                        + " did not take the fault: " + field_text(node, "error"));
        }
    }
    return util::Ok{};
}

util::Status ClusterProbe::heal(const std::vector<std::uint64_t>& targets)
{
    json body = json::object();
    if (!targets.empty()) {
        body["target"] = targets;
    }
    RE_TRY(answer, m_client.post("/chaos/heal", body));
    (void)answer;
    return util::Ok{};
}

util::Result<MoveSeen> ClusterProbe::move(std::int64_t dx, std::int64_t dy)
{
    const json body{{"x", dx}, {"y", dy}, {"client_id", m_client_id}, {"sequence", ++m_sequence}};
    RE_TRY(moved, m_client.post_with_retry("/nodes/move", body, RetryPolicy{}));
    return MoveSeen{field_unsigned(moved, "term"), field_unsigned(moved, "index"),
                    field(moved, "lead")};
}

util::Status ClusterProbe::mission(const std::string& action)
{
    RE_TRY(answer, m_client.post("/mission", json{{"action", action}}));
    (void)answer;
    return util::Ok{};
}

util::Status ClusterProbe::timing(const json& body)
{
    RE_TRY(answer, m_client.post("/timing", body));
    (void)answer;
    return util::Ok{};
}

util::Status ClusterProbe::add_member(std::uint64_t id, const std::string& address)
{
    RE_TRY(answer, m_client.post("/members/add", json{{"id", id}, {"address", address}}));
    (void)answer;
    return util::Ok{};
}

util::Status ClusterProbe::remove_member(std::uint64_t id)
{
    RE_TRY(answer, m_client.post("/members/remove", json{{"id", id}}));
    (void)answer;
    return util::Ok{};
}

std::string id_list_text(const std::vector<std::uint64_t>& ids)
{
    std::string text;
    for (std::uint64_t id : ids) {
        text += (text.empty() ? "" : ",") + std::to_string(id);
    }
    return text.empty() ? "none" : text;
}

std::string nodes_text(const std::vector<NodeState>& nodes)
{
    std::string text;
    for (const NodeState& node : nodes) {
        text += (text.empty() ? "" : "; ") + ("node " + std::to_string(node.id)) + " ("
                + node.role + (node.running() ? ", term " + std::to_string(node.term) : "")
                + ")";
    }
    return text.empty() ? "no nodes listed" : text;
}

std::string make_lesson_client_id()
{
    std::random_device device;
    std::uniform_int_distribution<std::uint32_t> random;
    char id[48];
    std::snprintf(id, sizeof(id), "lesson-%ld-%08x", static_cast<long>(::getpid()),
                  random(device));
    return id;
}

} // namespace raftescort::ctl::lesson
