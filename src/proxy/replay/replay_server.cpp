// The replay's HTTP server: the dashboard and the proxy's read routes
// (/status, /nodes, /elections, /leaders, /mission, /lesson, /events)
// answered from a recording at the replay's position, and /replay to move
// it. Every answer is the proxy's envelope, so the dashboard and ctl read it
// as they read a live proxy. Changing the position needs the admin token, as
// every route that changes something does.

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/dashboard/dashboard_page.hpp"
#include "proxy/replay/recording_file.hpp"
#include "proxy/replay/replay_player.hpp"

#include <raftescort/proxy/replay.hpp>
#include <raftescort/transport/http_server.hpp>
#include <raftescort/transport/secret.hpp>
#include <raftescort/transport/signal_wait.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

const std::set<std::string> k_replay_fields{"action", "to_ms", "speed"};

struct ReplayContext {
    const ReplaySettings& settings;
    const Recording& recording;
    ReplayPlayer& player;
};

json position_json(ReplayContext& context)
{
    const ReplayPosition position = context.player.position();
    return json{{"file", context.settings.file},
                {"cluster", context.recording.header.cluster},
                {"position_ms", position.position_ms},
                {"start_ms", position.start_ms},
                {"end_ms", position.end_ms},
                {"playing", position.playing},
                {"speed", position.speed},
                {"lines", context.recording.lines.size()},
                {"lines_skipped", context.recording.lines_skipped}};
}

ReplayView view_now(ReplayContext& context)
{
    return replay_view_at(context.recording, context.player.position().position_ms);
}

/// One of the snapshot's answers: 503 (as the live proxy's answer was
/// then) when the recording holds none at this moment.
void reply_snapshot_part(ReplayContext& context, const httplib::Request& request,
                         httplib::Response& response, const char* part)
{
    const ReplayView view = view_now(context);
    if (!view.snapshot.is_object() || !view.snapshot.contains(part)
        || view.snapshot[part].is_null()) {
        reply_error(response, 503,
                    std::string("the recording holds no ") + part + " at this moment");
        return;
    }
    json data = view.snapshot[part];
    if (request.has_param("term")) {
        std::optional<std::uint64_t> term = positive_param(request, response, "term");
        if (!term) {
            return;
        }
        const std::string key = std::to_string(*term);
        if (!data.contains(key)) {
            reply_error(response, 404, "no " + std::string(part) + " recorded for term " + key);
            return;
        }
        data = json{{key, data[key]}};
    }
    reply_ok(response, std::move(data));
}

/// GET /nodes/position's shape, from the nodes at the position.
json positions_of(const json& nodes)
{
    json positions = json::array();
    for (const json& node : nodes) {
        if (!node.is_object() || !node.contains("position") || node["position"].is_null()) {
            continue;
        }
        const json name = node.value("name", json(nullptr));
        positions.push_back(json{{"node", name},
                                 {"_name", name},
                                 {"id", node.value("id", json(nullptr))},
                                 {"role", node.value("role", json(nullptr))},
                                 {"position", node["position"]}});
    }
    return positions;
}

void reply_status(ReplayContext& context, httplib::Response& response)
{
    const ReplayView view = view_now(context);
    const json& status = view.status;
    std::size_t reachable = 0;
    for (const json& node : view.nodes) {
        reachable += node.is_object() && node.value("role", "") != "unreachable" ? 1 : 0;
    }
    const json data{{"version", k_proxy_version},
                    {"cluster", context.recording.header.cluster},
                    // Redis answered at the position if the snapshot holds its answers.
                    {"redis_connected",
                     view.snapshot.is_object() && !view.snapshot.contains("errors")},
                    {"leader", status.is_object() ? status.value("leader", json(0)) : json(0)},
                    {"leader_name",
                     status.is_object() ? status.value("leader_name", json("")) : json("")},
                    {"term", status.is_object() ? status.value("term", json(0)) : json(0)},
                    {"nodes", view.nodes.size()},
                    {"reachable", reachable},
                    {"replay", position_json(context)}};
    reply_envelope(response, 200, data,
                   json{{"note", "a replay of " + context.settings.file
                                     + ": the cluster as recorded, at the replay's position"}});
}

bool admit(ReplayContext& context, const httplib::Request& request, httplib::Response& response)
{
    const std::string authorization = request.get_header_value("Authorization");
    const std::optional<std::string_view> bearer = transport::bearer_token(authorization);
    if (!bearer || !transport::secrets_equal(context.settings.admin_token, *bearer)) {
        response.set_header("WWW-Authenticate", "Bearer realm=\"raftescort\"");
        reply_error(response, 401,
                    "POST /replay needs the admin token: 'Authorization: Bearer TOKEN' (the "
                    "replay prints the one it generated in its log)");
        return false;
    }
    return true;
}

/// Applies "speed" if present; false after answering 400.
bool apply_speed(ReplayContext& context, const json& body, httplib::Response& response)
{
    if (!body.contains("speed")) {
        return true;
    }
    const json& speed = body["speed"];
    if (!speed.is_number() || speed.get<double>() < k_replay_speed_min
        || speed.get<double>() > k_replay_speed_max) {
        reply_error(response, 400, "speed must be a number from 0.05 to 100");
        return false;
    }
    context.player.set_speed(speed.get<double>());
    return true;
}

void handle_post(ReplayContext& context, const httplib::Request& request,
                 httplib::Response& response)
{
    if (!admit(context, request, response)) {
        return;
    }
    std::optional<json> body = read_json_body(request, response, k_replay_fields);
    if (!body) {
        return;
    }
    if (!body->contains("action") || !(*body)["action"].is_string()) {
        reply_error(response, 400, "missing \"action\": play, pause, step or seek");
        return;
    }
    const std::string action = (*body)["action"].get<std::string>();
    if (action == "seek" && (!body->contains("to_ms") || !(*body)["to_ms"].is_number_integer())) {
        reply_error(response, 400, "\"seek\" needs \"to_ms\": a time in the recording, in ms "
                                   "since the epoch (see GET /replay's start_ms and end_ms)");
        return;
    }
    if (action != "play" && action != "pause" && action != "step" && action != "seek") {
        reply_error(response, 400,
                    "unknown action \"" + action.substr(0, 40) + "\": play, pause, step or seek");
        return;
    }
    if (!apply_speed(context, *body, response)) {
        return;
    }
    if (action == "play") {
        context.player.play();
    } else if (action == "pause") {
        context.player.pause();
    } else if (action == "step") {
        context.player.step();
    } else {
        context.player.seek((*body)["to_ms"].get<std::int64_t>());
    }
    reply_ok(response, position_json(context));
}

void install_replay_routes(transport::HttpServer& server, ReplayContext& context, EventHub& hub)
{
    install_envelope_handlers(server);
    server.Get("/", [](const httplib::Request&, httplib::Response& response) {
        const std::string_view page = dashboard_page();
        response.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    });
    server.Get("/status", [&context](const httplib::Request&, httplib::Response& response) {
        reply_status(context, response);
    });
    server.Get("/nodes", [&context](const httplib::Request&, httplib::Response& response) {
        reply_ok(response, view_now(context).nodes);
    });
    server.Get("/nodes/position", [&context](const httplib::Request&, httplib::Response& response) {
        reply_ok(response, positions_of(view_now(context).nodes));
    });
    for (const char* part : {"elections", "leaders", "mission"}) {
        server.Get(std::string("/") + part,
                   [&context, part](const httplib::Request& request, httplib::Response& response) {
                       reply_snapshot_part(context, request, response, part);
                   });
    }
    server.Get("/lesson", [&context](const httplib::Request&, httplib::Response& response) {
        const std::int64_t at_ms = context.player.position().position_ms;
        reply_ok(response, json{{"lesson", lesson_at(context.recording, at_ms)}});
    });
    server.Get("/events", [&hub](const httplib::Request&, httplib::Response& response) {
        reply_event_stream(hub, response);
    });
    server.Get("/replay", [&context](const httplib::Request&, httplib::Response& response) {
        reply_ok(response, position_json(context));
    });
    server.Post("/replay",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    handle_post(context, request, response);
                });
}

} // namespace

util::Status run_replay(const ReplaySettings& given)
{
    transport::SignalWait signals;
    RE_TRY(recording, load_recording(given.file));
    ReplaySettings settings = given;
    const bool generated_token = settings.admin_token.empty();
    if (generated_token) {
        settings.admin_token = transport::generate_secret_hex();
    }
    EventHubOptions hub_options;
    EventHub hub(hub_options);
    ReplayPlayer player(recording, hub, settings.speed);
    ReplayContext context{settings, recording, player};
    transport::HttpServerOptions server_options;
    // Each event stream holds a thread; the hub refuses one past its cap first.
    server_options.streams_max = hub_options.subscribers_max + 8;
    transport::HttpServer server(server_options);
    install_replay_routes(server, context, hub);
    if (!server.bind(settings.listen_host, settings.listen_port) || server.port() <= 0) {
        return util::make_error(util::ErrorCode::unavailable,
                                "cannot listen on " + settings.listen_host + ":"
                                    + std::to_string(settings.listen_port));
    }
    server.start();
    spdlog::info("replaying {} (cluster {}, {} lines, {} skipped, {:.1f} s) on http://{}:{}/",
                 settings.file, recording.header.cluster, recording.lines.size(),
                 recording.lines_skipped,
                 static_cast<double>(recording.end_ms() - recording.start_ms()) / 1000.0,
                 settings.listen_host, server.port());
    if (generated_token) {
        spdlog::warn("no admin token was configured: the replay's controls need "
                     "'Authorization: Bearer {}'; the dashboard: http://{}:{}/#token={}",
                     settings.admin_token, settings.listen_host, server.port(),
                     settings.admin_token);
    }
    const int signal = signals.wait(-1);
    spdlog::info("stopping on signal {}", signal);
    hub.close();
    server.stop();
    player.stop();
    return util::Ok{};
}

} // namespace raftescort::proxy
