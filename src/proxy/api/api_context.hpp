#pragma once

// What the API's request handlers share: the settings and the proxy's parts.
// Every part is thread-safe; the handlers run on the HTTP server's threads.

#include "proxy/api/client_pool.hpp"
#include "proxy/api/forwarder.hpp"
#include "proxy/api/move_lanes.hpp"
#include "proxy/lesson/lesson_board.hpp"
#include "proxy/metrics/metrics.hpp"
#include "proxy/record/recording_control.hpp"
#include "proxy/view/cluster_view.hpp"
#include "proxy/view/event_hub.hpp"
#include "proxy/view/shared_registry.hpp"

#include <raftescort/proxy/proxy.hpp>

#include <raftescort/transport/http_server.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace raftescort::proxy {

/// Reported by GET /status.
inline constexpr const char* k_proxy_version = "0.1.0";

struct ApiContext {
    const ProxySettings& settings;
    ClusterView& view;
    ClientPool& pool;
    Forwarder& forwarder;
    MoveLanes& lanes;
    SharedRegistry& registry;
    EventHub& hub;
    ProxyMetrics& metrics;
    RecordingControl& recording;
    LessonBoard& lessons;
};

/// GET / and /status.
void install_status_routes(transport::HttpServer& server, ApiContext& context);
/// GET /nodes, /nodes/full, /nodes/position, /logs, /mission.
void install_cluster_routes(transport::HttpServer& server, ApiContext& context);
/// GET /raft/log: each node's Raft log window.
void install_raft_routes(transport::HttpServer& server, ApiContext& context);
/// GET /elections, /leaders (from Redis).
void install_record_routes(transport::HttpServer& server, ApiContext& context);
/// GET and POST /nodes/move.
void install_move_routes(transport::HttpServer& server, ApiContext& context);
/// POST /mission, /members/add, /members/remove, /transfer-leader.
void install_control_routes(transport::HttpServer& server, ApiContext& context);
/// GET /chaos, POST /chaos, /chaos/heal.
void install_chaos_routes(transport::HttpServer& server, ApiContext& context);
/// GET /record, POST /record: recording the event stream.
void install_recording_routes(transport::HttpServer& server, ApiContext& context);
/// GET /lesson, POST /lesson, /lesson/clear: the guided lessons' banner.
void install_lesson_routes(transport::HttpServer& server, ApiContext& context);
/// Answers GET /events: a stream of the hub's events, or 503 when full.
void reply_event_stream(EventHub& hub, httplib::Response& response);
/// GET /metrics, /events.
void install_stream_routes(transport::HttpServer& server, ApiContext& context);

/// The answers of GET /elections and /leaders (every term), for a
/// recording's snapshot; an error as those routes report it.
util::Result<nlohmann::json> elections_answer(ApiContext& context);
util::Result<nlohmann::json> leaders_answer(ApiContext& context);
/// GET /mission's data, and its message (empty, or why it is not the
/// leader's); unavailable when no node is reachable.
struct MissionAnswer {
    nlohmann::json data;
    std::string message;
};
util::Result<MissionAnswer> mission_answer(const ClusterSnapshot& snapshot);
/// A recording's snapshot: {"nodes", "elections", "leaders", "mission"},
/// each the data its GET route answers, or null with the reason in
/// "errors": {"<route>": "<reason>"}.
nlohmann::json recording_snapshot_json(ApiContext& context);

/// Every route, the envelope's error answers and the body size limit.
void install_routes(transport::HttpServer& server, ApiContext& context);

/// [{"method", "locator", "description"}, ...] for GET /status.
nlohmann::json endpoints_json();

/// Answers a forwarded request that did not succeed with the forwarder's
/// status and reason; `advice` (what the client may do) is added to a 503.
void reply_forward_error(httplib::Response& response, const ForwardResult& result,
                         const std::string& advice);

} // namespace raftescort::proxy
