// The built-in faults through the proxy: POST /chaos puts a fault on the
// nodes a target names (ids, or a role resolved now: chaos_targets.hpp),
// POST /chaos/heal clears them, GET /chaos shows what each node has in
// force. Each node answers for itself (its POST /chaos, chaos/fault.hpp), so
// the answer lists every node's faults or why it could not be reached; the
// nodes record each fault and heal in Redis themselves.

#include "proxy/api/api_auth.hpp"
#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/api/chaos_targets.hpp"

#include <raftescort/chaos/fault.hpp>
#include <raftescort/transport/json_body.hpp>

#include <chrono>
#include <future>
#include <string>
#include <vector>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// A node's loop takes a fault within a few milliseconds; this covers a
/// node that is busy, not one that is gone.
constexpr std::chrono::milliseconds k_node_chaos_timeout{3000};

const std::set<std::string> k_fault_fields{"target",    "kind", "peers",  "direction", "delay_ms",
                                           "jitter_ms", "rate", "for_ms", "by"};

/// One node's answer to GET or POST /chaos: {"id", "name", "faults"} or
/// {"id", "name", "error"}.
json node_chaos(ApiContext& context, const NodeView& node, const json* fault)
{
    json item{{"id", node.id}, {"name", node.name}};
    ClientLease client = context.pool.lease(node.name);
    if (!client) {
        item["error"] = "the proxy is stopping";
        return item;
    }
    client->set_read_timeout(k_node_chaos_timeout);
    httplib::Result answer = fault == nullptr
                                 ? client->Get("/chaos")
                                 : client->Post("/chaos", fault->dump(), "application/json");
    if (!answer) {
        item["error"] = "did not answer (" + httplib::to_string(answer.error()) + ")";
        return item;
    }
    util::Result<json> body = transport::parse_answer_json(answer->body);
    if (answer->status != 200 || !body || !body.value().contains("faults")) {
        const json* said =
            body && body.value().contains("error") ? &body.value()["error"] : nullptr;
        item["error"] = "HTTP " + std::to_string(answer->status)
                        + (said != nullptr && said->is_string() ? ": " + said->get<std::string>()
                                                                : std::string());
        return item;
    }
    item["faults"] = std::move(body.value()["faults"]);
    return item;
}

/// Sends `fault` (or a GET when null) to each node at once; answers in id order.
json each_node(ApiContext& context, const ClusterSnapshot& snapshot,
               const std::vector<std::uint64_t>& ids, const std::vector<json>& faults)
{
    std::vector<std::future<json>> answers;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const NodeView* node = snapshot.find(ids[i]);
        const json* fault = faults.empty() ? nullptr : &faults[i];
        answers.push_back(std::async(std::launch::async, [&context, node, fault, id = ids[i]] {
            return node != nullptr ? node_chaos(context, *node, fault)
                                   : json{{"id", id}, {"error", "not known to the proxy"}};
        }));
    }
    json nodes = json::array();
    for (std::future<json>& answer : answers) {
        nodes.push_back(answer.get());
    }
    return nodes;
}

ChaosMembers members_of(const ClusterSnapshot& snapshot)
{
    ChaosMembers members;
    for (const NodeView& node : snapshot.nodes) {
        members.ids.push_back(node.id);
    }
    members.leader = snapshot.leader;
    return members;
}

/// "raftescort-ctl/0.1.0 at 127.0.0.1 via the proxy": who asked, for the
/// nodes' record.
std::string requester(const httplib::Request& request)
{
    return client_description(request) + " via the proxy";
}

/// The fault each target receives: the body without its target, with who
/// asked, and for a partition the peers it is cut off from (by default
/// every node outside the target). Empty after answering 400.
std::optional<std::vector<json>> per_node_faults(const json& body,
                                                 const std::vector<std::uint64_t>& targets,
                                                 const ChaosMembers& members,
                                                 const httplib::Request& request,
                                                 httplib::Response& response)
{
    json fault = body;
    fault.erase("target");
    fault["by"] = requester(request);
    if (fault.value("kind", "") == "recover") {
        // Not a fault: it ends a crash, and the node checks it takes nothing else.
        if (fault.size() != 2) {
            reply_error(response, 400, "a recover takes no other field than \"target\"");
            return std::nullopt;
        }
        return std::vector<json>(targets.size(), fault);
    }
    if (fault.value("kind", "") == "partition" && !fault.contains("peers")) {
        fault["peers"] = complement(targets, members);
        if (fault["peers"].empty()) {
            reply_error(response, 400,
                        "the target is every node: there is no one to cut it off "
                        "from");
            return std::nullopt;
        }
    }
    std::vector<json> faults(targets.size(), fault);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        util::Result<chaos::FaultSpec> spec =
            chaos::fault_spec_from_json(faults[i], raft::NodeId{targets[i]});
        if (!spec) {
            reply_error(response, 400,
                        "node " + std::to_string(targets[i]) + ": " + spec.error().message);
            return std::nullopt;
        }
    }
    return faults;
}

void answer_nodes(httplib::Response& response, json targets, json nodes, const std::string& what)
{
    bool any_took = false;
    for (const json& node : nodes) {
        any_took = any_took || node.contains("faults");
    }
    if (!any_took && !nodes.empty()) {
        reply_envelope(response, 503, json{{"target", targets}, {"nodes", nodes}},
                       "no target node could be reached");
        return;
    }
    reply_ok(response, json{{"target", std::move(targets)}, {"nodes", std::move(nodes)}}, what);
}

void handle_fault(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, k_fault_fields);
    if (!body) {
        return;
    }
    if (!body->contains("target")) {
        reply_error(response, 400,
                    "missing field \"target\": node ids, or all, leader, "
                    "followers, minority or majority");
        return;
    }
    const std::shared_ptr<const ClusterSnapshot> snapshot = context.view.snapshot();
    const ChaosMembers members = members_of(*snapshot);
    util::Result<std::vector<std::uint64_t>> targets =
        resolve_chaos_target((*body)["target"], members);
    if (!targets) {
        reply_error(response, targets.error().code == util::ErrorCode::unavailable ? 409 : 400,
                    targets.error().message);
        return;
    }
    std::optional<std::vector<json>> faults =
        per_node_faults(*body, targets.value(), members, request, response);
    if (!faults) {
        return;
    }
    json nodes = each_node(context, *snapshot, targets.value(), *faults);
    answer_nodes(response, targets.value(), std::move(nodes),
                 body->value("kind", "") + " in force on " + std::to_string(targets.value().size())
                     + " node(s)");
}

void handle_heal(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, {"target"});
    if (!body) {
        return;
    }
    const std::shared_ptr<const ClusterSnapshot> snapshot = context.view.snapshot();
    util::Result<std::vector<std::uint64_t>> targets =
        resolve_chaos_target(body->value("target", json("all")), members_of(*snapshot));
    if (!targets) {
        reply_error(response, targets.error().code == util::ErrorCode::unavailable ? 409 : 400,
                    targets.error().message);
        return;
    }
    std::vector<json> heals(targets.value().size(), json{{"kind", "heal"}});
    answer_nodes(response, targets.value(), each_node(context, *snapshot, targets.value(), heals),
                 "healed");
}

void handle_status(ApiContext& context, httplib::Response& response)
{
    const std::shared_ptr<const ClusterSnapshot> snapshot = context.view.snapshot();
    std::vector<std::uint64_t> ids = members_of(*snapshot).ids;
    reply_ok(response, json{{"nodes", each_node(context, *snapshot, ids, {})}});
}

} // namespace

void install_chaos_routes(transport::HttpServer& server, ApiContext& context)
{
    transport::RouteOptions change;
    change.admit = [&context](const httplib::Request& request, httplib::Response& response) {
        return admit_change(context, request, response);
    };
    server.Get("/chaos", [&context](const httplib::Request&, httplib::Response& response) {
        handle_status(context, response);
    });
    server.Post(
        "/chaos",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_fault(context, request, response);
        },
        change);
    server.Post(
        "/chaos/heal",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_heal(context, request, response);
        },
        change);
}

} // namespace raftescort::proxy
