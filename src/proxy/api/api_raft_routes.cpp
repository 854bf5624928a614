// GET /raft/log: each node's Raft log as the node itself holds it, the
// uncommitted tail included, fetched on request (node_fetch.hpp).

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/api/node_fetch.hpp"

#include <future>
#include <string>
#include <utility>
#include <vector>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// A node's own bound on one window (GET /raft/log on the node).
constexpr std::int64_t k_window_limit_max = 1000;

/// One node's window, or {id, name, error} when it could not be read (a
/// crashed or unreachable node), so a view still shows the node's column.
json window_or_error(ApiContext& context, const NodeView& node, const std::string& query)
{
    if (!node.reachable) {
        return json{{"id", node.id}, {"name", node.name}, {"error", "unreachable"}};
    }
    util::Result<json> window = fetch_node_json(context, node, "/raft/log" + query);
    if (!window.ok()) {
        return json{{"id", node.id}, {"name", node.name}, {"error", window.error().message}};
    }
    // The node's own id and name come from its answer; the proxy's name for
    // it is the one every other route uses.
    window.value()["name"] = node.name;
    return std::move(window.value());
}

void handle_raft_log(ApiContext& context, const httplib::Request& request,
                     httplib::Response& response)
{
    std::optional<std::string> query = range_query(request, response, k_window_limit_max);
    if (!query) {
        return;
    }
    std::optional<std::uint64_t> only;
    if (request.has_param("node")) {
        only = positive_param(request, response, "node");
        if (!only) {
            return;
        }
    }
    const std::shared_ptr<const ClusterSnapshot> held = context.view.snapshot();
    const ClusterSnapshot& snapshot = *held;
    if (only) {
        const NodeView* node = snapshot.find(*only);
        if (node == nullptr) {
            reply_error(response, 404, "no node " + std::to_string(*only) + " in the cluster");
            return;
        }
        json window = window_or_error(context, *node, *query);
        if (window.contains("error")) {
            reply_error(response, 503, window["error"].get<std::string>());
            return;
        }
        reply_ok(response, std::move(window));
        return;
    }
    // In parallel, as GET /logs: a slow node costs one timeout, not one per node.
    std::vector<std::future<json>> fetches;
    for (const NodeView& node : snapshot.nodes) {
        fetches.push_back(std::async(std::launch::async, [&context, &node, &query] {
            return window_or_error(context, node, *query);
        }));
    }
    json windows = json::array();
    for (std::future<json>& fetch : fetches) {
        windows.push_back(fetch.get());
    }
    reply_ok(response, json{{"leader", snapshot.leader}, {"nodes", std::move(windows)}});
}

} // namespace

void install_raft_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/raft/log", [&context](const httplib::Request& request,
                                       httplib::Response& response) {
        handle_raft_log(context, request, response);
    });
}

} // namespace raftescort::proxy
