// GET /record and POST /record: recording the event stream to a file on the
// proxy's machine (proxy/record/recorder.hpp). Starting and stopping need
// the admin token, since the proxy writes a file where the client says.

#include "proxy/api/api_auth.hpp"
#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/view/cluster_json.hpp"

#include <raftescort/util/assert.hpp>

#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

const std::set<std::string> k_record_fields{"action", "file", "overwrite"};

int status_for(const util::Error& error)
{
    switch (error.code) {
    case util::ErrorCode::rejected:
    case util::ErrorCode::invalid_argument: return 400;
    case util::ErrorCode::not_found:
    case util::ErrorCode::unavailable: return 409;
    default: return 500;
    }
}

void handle_start(ApiContext& context, const json& body, httplib::Response& response)
{
    if (!body.contains("file") || !body["file"].is_string()) {
        reply_error(response, 400, "\"start\" needs \"file\": a path on the proxy's machine");
        return;
    }
    if (body.contains("overwrite") && !body["overwrite"].is_boolean()) {
        reply_error(response, 400, "\"overwrite\" must be true or false");
        return;
    }
    const std::string file = body["file"].get<std::string>();
    const util::Status started = context.recording.start(file, body.value("overwrite", false));
    if (!started.ok()) {
        // A conflict with a running recording is 409 here; a file that
        // cannot be opened is the client's to fix (its directory's rights).
        const int status = started.error().code == util::ErrorCode::io_error
                               ? 400
                               : status_for(started.error());
        reply_error(response, status, started.error().message);
        return;
    }
    const std::optional<RecorderStatus> status = context.recording.status();
    RE_ASSERT(status.has_value());
    reply_ok(response, recorder_status_json(*status), "recording to " + file);
}

void handle_post(ApiContext& context, const httplib::Request& request,
                 httplib::Response& response)
{
    if (!admit_admin(context, request, response)) {
        return;
    }
    std::optional<json> body = read_json_body(request, response, k_record_fields);
    if (!body) {
        return;
    }
    if (!body->contains("action") || !(*body)["action"].is_string()) {
        reply_error(response, 400, "missing \"action\": \"start\" or \"stop\"");
        return;
    }
    const json& action = (*body)["action"];
    if (action == "start") {
        handle_start(context, *body, response);
        return;
    }
    if (action == "stop") {
        util::Result<RecorderStatus> stopped = context.recording.stop();
        if (!stopped.ok()) {
            reply_error(response, status_for(stopped.error()), stopped.error().message);
            return;
        }
        reply_ok(response, recorder_status_json(stopped.value()), "recording stopped");
        return;
    }
    reply_error(response, 400,
                "unknown action \"" + action.get<std::string>().substr(0, 40)
                    + "\": \"start\" or \"stop\"");
}

void handle_get(ApiContext& context, httplib::Response& response)
{
    const std::optional<RecorderStatus> status = context.recording.status();
    if (!status) {
        reply_ok(response, recorder_status_json(RecorderStatus{}), "no recording since start");
        return;
    }
    reply_ok(response, recorder_status_json(*status));
}

} // namespace

json recording_snapshot_json(ApiContext& context)
{
    json snapshot{{"nodes", nodes_json(*context.view.snapshot())}};
    json errors = json::object();
    util::Result<json> elections = elections_answer(context);
    snapshot["elections"] = elections.ok() ? std::move(elections.value()) : json(nullptr);
    if (!elections.ok()) {
        errors["elections"] = elections.error().message;
    }
    util::Result<json> leaders = leaders_answer(context);
    snapshot["leaders"] = leaders.ok() ? std::move(leaders.value()) : json(nullptr);
    if (!leaders.ok()) {
        errors["leaders"] = leaders.error().message;
    }
    util::Result<MissionAnswer> mission = mission_answer(*context.view.snapshot());
    snapshot["mission"] = mission.ok() ? std::move(mission.value().data) : json(nullptr);
    if (!mission.ok()) {
        errors["mission"] = mission.error().message;
    }
    if (!errors.empty()) {
        snapshot["errors"] = std::move(errors);
    }
    return snapshot;
}

void install_recording_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/record", [&context](const httplib::Request&, httplib::Response& response) {
        handle_get(context, response);
    });
    server.Post("/record",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    handle_post(context, request, response);
                });
}

} // namespace raftescort::proxy
