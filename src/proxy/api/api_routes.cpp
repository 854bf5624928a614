#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::proxy {

namespace {

struct Endpoint {
    const char* method;
    const char* locator;
    const char* description;
};

constexpr Endpoint k_endpoints[] = {
    {"GET", "/",
     "the live dashboard for browsers; anyone else is redirected to /status (302), and "
     "Accept: application/json gets /status's answer at once"},
    {"GET", "/status", "status of the external API and the list of endpoints"},
    {"GET", "/nodes",
     "all nodes and their roles; ?ip=ADDR for one node (its host:port, host, or an IP of its "
     "machine)"},
    {"GET", "/nodes/full", "every node's full status"},
    {"GET", "/nodes/position", "current position of every node"},
    {"GET", "/nodes/move?x=N&y=N",
     "move the whole formation by (x, y); a missing x or y is 0; answers after commit"},
    {"POST", "/nodes/move", "body {\"x\", \"y\", \"client_id\"?, \"sequence\"?}: the same"},
    {"GET", "/mission", "the mission: target, running, steps taken, lead point"},
    {"POST", "/mission",
     "body {\"action\": \"start\"|\"pause\"|\"set\", \"x\", \"y\"}; admin token"},
    {"GET", "/elections", "every election, per term; ?term=N for one term"},
    {"GET", "/leaders", "the leader of every term; ?term=N for one term"},
    {"GET", "/logs",
     "the entries each node applied since it started (its last 10,000); ?ip=ADDR for one node, "
     "?from=N&limit=M for a range"},
    {"GET", "/raft/log",
     "each node's Raft log, uncommitted tail included: entries (index, term, type, kind, "
     "command), commit, applied and snapshot points, and the entries it lost at a heal; "
     "?node=ID for one node, ?from=N&limit=M (default the last 40, at most 1000)"},
    {"POST", "/members/add", "body {\"id\", \"address\"}: add a learner; admin token"},
    {"POST", "/members/remove", "body {\"id\", \"force\"?}: remove a member; admin token"},
    {"POST", "/transfer-leader", "body {\"to\"?}: hand leadership to a voter; admin token"},
    {"GET", "/chaos", "the built-in faults in force on each node"},
    {"POST", "/chaos",
     "body {\"target\", \"kind\", ...}: put a fault on nodes by id or role (all, leader, "
     "followers, minority, majority); admin token"},
    {"POST", "/chaos/heal",
     "body {\"target\"?}: clear the faults (default: every node); admin token"},
    {"GET", "/record", "the recording of the event stream: file, bytes, lines, events dropped"},
    {"POST", "/record",
     "body {\"action\": \"start\", \"file\", \"overwrite\"?} or {\"action\": \"stop\"}: record the "
     "event stream to a file on the proxy's machine; admin token"},
    {"GET", "/lesson", "the guided lesson's banner on the dashboard, or null"},
    {"POST", "/lesson",
     "body {\"lesson\", \"title\", \"step\", \"steps\", \"heading\", \"text\"?, \"state\", "
     "\"detail\"?}: show a lesson's step on the dashboard; admin token"},
    {"POST", "/lesson/clear", "take the lesson banner down; admin token"},
    {"GET", "/metrics", "Prometheus metrics"},
    {"GET", "/events",
     "server-sent events: status, record, trace (the Raft messages the nodes send), and "
     "lesson (the banner, or {\"cleared\": true})"},
};

} // namespace

nlohmann::json endpoints_json()
{
    nlohmann::json list = nlohmann::json::array();
    for (const Endpoint& endpoint : k_endpoints) {
        list.push_back({{"method", endpoint.method},
                        {"locator", endpoint.locator},
                        {"description", endpoint.description}});
    }
    return list;
}

void reply_forward_error(httplib::Response& response, const ForwardResult& result,
                         const std::string& advice)
{
    RE_ASSERT(result.status != 200);
    reply_error(response, result.status,
                result.status == 503 && !advice.empty() ? result.message + "; " + advice
                                                        : result.message);
}

void install_routes(transport::HttpServer& server, ApiContext& context)
{
    install_envelope_handlers(server);
    install_status_routes(server, context);
    install_cluster_routes(server, context);
    install_raft_routes(server, context);
    install_record_routes(server, context);
    install_move_routes(server, context);
    install_control_routes(server, context);
    install_chaos_routes(server, context);
    install_recording_routes(server, context);
    install_lesson_routes(server, context);
    install_stream_routes(server, context);
}

} // namespace raftescort::proxy
