// GET /nodes, /nodes/full, /nodes/position, /logs, /mission: what the
// cluster view knows, and each node's log fetched on request.

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/api/node_fetch.hpp"
#include "proxy/view/cluster_json.hpp"
#include "proxy/view/node_address.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/decimal.hpp>

#include <chrono>
#include <future>
#include <string>
#include <utility>
#include <vector>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// The node named by ?ip=, or the reason answered: 404 if none answers to
/// it, 400 if several do (node_address.hpp).
const NodeView* node_for_ip(const ClusterSnapshot& snapshot, const httplib::Request& request,
                            httplib::Response& response)
{
    util::Result<const NodeView*> found =
        find_node_by_address(snapshot, request.get_param_value("ip"));
    if (!found.ok()) {
        reply_error(response, found.error().code == util::ErrorCode::rejected ? 400 : 404,
                    found.error().message);
        return nullptr;
    }
    return found.value();
}

/// GET /logs of one node: its entries, or why not.
util::Result<json> fetch_log(ApiContext& context, const NodeView& node, const std::string& query)
{
    RE_TRY(body, fetch_node_json(context, node, "/logs" + query));
    if (!body.contains("entries") || !body["entries"].is_array()) {
        return util::make_error(util::ErrorCode::unavailable,
                                "node " + std::to_string(node.id)
                                    + " answered GET /logs without its entries");
    }
    return std::move(body["entries"]);
}

void handle_logs(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    std::optional<std::string> query = range_query(request, response);
    if (!query) {
        return;
    }
    const std::shared_ptr<const ClusterSnapshot> held = context.view.snapshot();
    const ClusterSnapshot& snapshot = *held;
    if (request.has_param("ip")) {
        const NodeView* node = node_for_ip(snapshot, request, response);
        if (node == nullptr) {
            return;
        }
        util::Result<json> entries = fetch_log(context, *node, *query);
        if (!entries.ok()) {
            reply_error(response, 503, entries.error().message);
            return;
        }
        reply_ok(response, entries.value());
        return;
    }
    // In parallel: a node that is slow to answer (paused, overloaded) costs
    // the request one timeout, not one per node.
    std::vector<std::pair<const NodeView*, std::future<util::Result<json>>>> fetches;
    for (const NodeView& node : snapshot.nodes) {
        if (node.reachable) {
            fetches.emplace_back(&node, std::async(std::launch::async, [&context, &node, &query] {
                return fetch_log(context, node, *query);
            }));
        }
    }
    json all = json::object();
    std::string skipped;
    for (auto& [node, fetch] : fetches) {
        util::Result<json> entries = fetch.get();
        if (entries.ok()) {
            all[node->name] = std::move(entries.value());
        } else {
            skipped += (skipped.empty() ? "" : "; ") + entries.error().message;
        }
    }
    reply_ok(response, all, skipped.empty() ? "" : "skipped: " + skipped);
}

void handle_mission(ApiContext& context, httplib::Response& response)
{
    util::Result<MissionAnswer> answer = mission_answer(*context.view.snapshot());
    if (!answer.ok()) {
        reply_error(response, 503, answer.error().message);
        return;
    }
    reply_ok(response, std::move(answer.value().data), answer.value().message);
}

} // namespace

util::Result<MissionAnswer> mission_answer(const ClusterSnapshot& snapshot)
{
    // The leader's state is the latest committed one (Raft §8); without a
    // leader, the node that applied the most is the best we have.
    const NodeView* source = snapshot.leader_view();
    if (source == nullptr) {
        for (const NodeView& node : snapshot.nodes) {
            if (node.reachable
                && (source == nullptr || node.applied_index > source->applied_index)) {
                source = &node;
            }
        }
    }
    if (source == nullptr || !source->status.contains("mission")
        || !source->status["mission"].is_object()) {
        return util::make_error(util::ErrorCode::unavailable, "no node is reachable");
    }
    const json& mission = source->status["mission"];
    return MissionAnswer{
             json{{"target", mission.value("target", json(nullptr))},
                  {"running", mission.value("running", false)},
                  {"steps_taken", mission.value("steps_taken", json(0))},
                  {"lead", json::array({source->lead.x, source->lead.y})}},
             source->id == snapshot.leader
                 ? ""
                 : "no leader: as node " + std::to_string(source->id) + " knows it"};
}

void install_cluster_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/nodes", [&context](const httplib::Request& request, httplib::Response& response) {
        const std::shared_ptr<const ClusterSnapshot> held = context.view.snapshot();
        const ClusterSnapshot& snapshot = *held;
        if (request.has_param("ip")) {
            if (const NodeView* node = node_for_ip(snapshot, request, response)) {
                reply_ok(response, node_json(snapshot, *node));
            }
            return;
        }
        reply_ok(response, nodes_json(snapshot));
    });
    server.Get("/nodes/full", [&context](const httplib::Request&, httplib::Response& response) {
        const std::shared_ptr<const ClusterSnapshot> held = context.view.snapshot();
        const ClusterSnapshot& snapshot = *held;
        json list = json::array();
        for (const NodeView& node : snapshot.nodes) {
            list.push_back(node_full_json(node));
        }
        reply_ok(response, list);
    });
    server.Get("/nodes/position", [&context](const httplib::Request&, httplib::Response& response) {
        reply_ok(response, positions_json(*context.view.snapshot()));
    });
    server.Get("/logs", [&context](const httplib::Request& request, httplib::Response& response) {
        handle_logs(context, request, response);
    });
    server.Get("/mission", [&context](const httplib::Request&, httplib::Response& response) {
        handle_mission(context, response);
    });
}

} // namespace raftescort::proxy
