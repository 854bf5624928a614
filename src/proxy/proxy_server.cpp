#include "proxy/proxy_server.hpp"

#include "proxy/api/node_fetch.hpp"

#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/secret.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <random>

namespace raftescort::proxy {

namespace {

// Each forwarded move holds a server thread until it commits; idle and slow
// connections hold none (http_server.hpp).
constexpr std::size_t k_server_threads = 64;
// Every event stream holds a thread of its own for as long as it is open.
constexpr std::size_t k_event_streams_max = 40;
// Concurrent moves without a client id of their own (one lane each). Each
// holds a connection (so a thread) on the leader, whose pool is sized for a
// few dozen; 32 lanes keep a loaded proxy from queueing behind a handful.
constexpr std::size_t k_move_lanes = 32;
/// A node's trace is read between its status polls; a node slower than
/// this (paused, overloaded) is skipped for the round.
constexpr std::chrono::milliseconds k_trace_fetch_timeout{300};

registry::RegistryOptions registry_options(const ProxySettings& settings,
                                           const registry::RedisUrl& url)
{
    registry::RegistryOptions options;
    options.url = url;
    options.cluster_id = settings.cluster_id;
    options.client_name = "proxy";
    std::random_device random;
    options.run_id = "proxy-" + std::to_string(random()) + "-" + std::to_string(random());
    // The proxy only reads: after an outage, a second is soon enough to find
    // Redis again, and a failed attempt costs at most a connect timeout.
    options.reconnect_backoff_max_ms = 1000;
    return options;
}

ClusterViewOptions view_options(const ProxySettings& settings,
                                std::function<std::string()> cluster_token)
{
    ClusterViewOptions options;
    options.poller.poll_interval_ms = settings.poll_interval_ms;
    options.poller.tls = settings.tls;
    options.poller.cluster_token = std::move(cluster_token);
    return options;
}

ForwarderOptions forwarder_options(const ProxySettings& settings)
{
    ForwarderOptions options;
    options.request_timeout_ms = settings.request_timeout_ms;
    return options;
}

ClientPoolOptions pool_options(const ProxySettings& settings)
{
    ClientPoolOptions options;
    options.cluster_token = settings.cluster_token;
    options.tls = settings.tls;
    // Every lane can have a move in flight to the leader at once. With 8 idle
    // clients kept, a proxy loaded by 64 clients closed and reopened about
    // 300 connections a second (each a handshake, an accept and a server
    // thread on the leader); writes/s stayed within noise either way.
    options.idle_clients_per_node_max = k_move_lanes;
    return options;
}

/// The host a browser on this machine reaches the proxy at.
std::string dashboard_host(const std::string& listen_host)
{
    if (listen_host == "0.0.0.0" || listen_host.empty()) {
        return "127.0.0.1";
    }
    if (listen_host == "::" || listen_host == "[::]") {
        return "[::1]";
    }
    if (listen_host.find(':') != std::string::npos && listen_host.front() != '[') {
        return "[" + listen_host + "]";
    }
    return listen_host;
}

/// Without a configured admin token the proxy makes one for this run and
/// shows it once, with the dashboard address that carries it in the URL's
/// fragment (a fragment never reaches a server log), as Jupyter does.
void announce_generated_token(const ProxySettings& settings, int port)
{
    spdlog::warn("no admin token was configured (--admin-token, --admin-token-file, "
                 "RAFTESCORT_ADMIN_TOKEN): generated one for this run. Requests that change "
                 "the cluster need 'Authorization: Bearer {}'; the dashboard: "
                 "http://{}:{}/#token={}",
                 settings.admin_token, dashboard_host(settings.listen_host), port,
                 settings.admin_token);
}

RegistryPollerOptions registry_poller_options(const ProxySettings& settings, ClientPool& pool)
{
    RegistryPollerOptions options;
    if (!settings.cluster_token.empty()) {
        return options;
    }
    options.learn_cluster_token = [&pool](const std::string& token) {
        const std::string known = pool.cluster_token();
        if (known == token) {
            return;
        }
        if (known.empty()) {
            spdlog::info("learned the cluster token from Redis: requests that change the "
                         "cluster can be forwarded");
        } else {
            spdlog::warn("the cluster token in Redis changed; sending the new one");
        }
        pool.set_cluster_token(token);
    };
    return options;
}

EventHubOptions hub_options()
{
    EventHubOptions options;
    options.subscribers_max = k_event_streams_max;
    return options;
}

RecorderOptions recorder_options(const ProxySettings& settings,
                                 std::function<nlohmann::json()> take_snapshot)
{
    RecorderOptions options;
    options.cluster = settings.cluster_id;
    options.bytes_max = settings.record_bytes_max;
    options.take_snapshot = std::move(take_snapshot);
    return options;
}

transport::HttpServerOptions server_options()
{
    transport::HttpServerOptions options;
    options.api_threads_max = k_server_threads;
    // The hub refuses a stream past its own cap with a 503 in the envelope;
    // the server's cap is only a backstop.
    options.streams_max = k_event_streams_max + 8;
    return options;
}

} // namespace

ProxyServer::ProxyServer(const ProxySettings& settings,
                         std::unique_ptr<registry::Registry> registry)
    : m_settings(settings), m_registry(std::move(registry)),
      // The pollers ask only once nodes are known, after the pool exists.
      m_view(view_options(settings, [this] { return m_pool.cluster_token(); })),
      m_pool(pool_options(settings)), m_forwarder(m_view, m_pool, forwarder_options(settings)),
      m_lanes(MoveLanes::random_prefix(), k_move_lanes),
      m_hub(hub_options()),
      // Snapshots are taken only once recording starts, after the context exists.
      m_recording(m_hub, recorder_options(settings,
                                          [this] { return recording_snapshot_json(m_context); })),
      m_lessons(m_hub, LessonBoardOptions{}),
      m_context{m_settings, m_view, m_pool,    m_forwarder, m_lanes,
                m_registry, m_hub,  m_metrics, m_recording, m_lessons},
      m_server(server_options())
{ }

util::Result<std::unique_ptr<ProxyServer>> ProxyServer::start(const ProxySettings& settings)
{
    if (settings.poll_interval_ms <= 0 || settings.request_timeout_ms <= 0) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "the poll interval and the request timeout must be positive");
    }
    RE_TRY(url, registry::parse_redis_url(settings.redis_url));
    if (!settings.redis_password.empty()) {
        url.password = settings.redis_password;
    }
    ProxySettings effective = settings;
    const bool generated_token = effective.admin_token.empty();
    if (generated_token) {
        effective.admin_token = transport::generate_secret_hex();
    }
    auto registry = std::make_unique<registry::Registry>(registry_options(effective, url));
    std::unique_ptr<ProxyServer> proxy(new ProxyServer(effective, std::move(registry)));

    install_routes(proxy->m_server, proxy->m_context);
    if (settings.tls.enabled()) {
        // HTTPS for anyone: the proxy is the public face, and the admin
        // token, not a certificate, says who may change the cluster.
        RE_TRY(tls, proxy->m_server.enable_tls(settings.tls, false));
        (void)tls;
    }
    if (proxy->m_server.bind(settings.listen_host, settings.listen_port)) {
        proxy->m_port = proxy->m_server.port();
    }
    if (proxy->m_port <= 0) {
        return util::make_error(util::ErrorCode::unavailable,
                                "cannot listen on " + settings.listen_host + ":"
                                    + std::to_string(settings.listen_port)
                                    + " (in use, or not an address of this host?)");
    }
    proxy->m_registry_poller =
        std::make_unique<RegistryPoller>(proxy->m_registry, proxy->m_view, proxy->m_hub,
                                         registry_poller_options(settings, proxy->m_pool));
    proxy->m_status_publisher = std::make_unique<StatusPublisher>(
        proxy->m_view, proxy->m_hub, std::max<std::int64_t>(250, settings.poll_interval_ms),
        [lessons = &proxy->m_lessons] { lessons->expire_if_due(); });
    TraceFollowerOptions trace;
    trace.interval_ms = std::max<std::int64_t>(250, settings.poll_interval_ms);
    trace.fetch = [pool = &proxy->m_pool](const NodeView& node, const std::string& path) {
        return fetch_node_json(*pool, node, path, k_trace_fetch_timeout);
    };
    proxy->m_trace_follower =
        std::make_unique<TraceFollower>(proxy->m_view, proxy->m_hub, std::move(trace));
    if (!settings.record_file.empty()) {
        RE_TRY(recording, proxy->m_recording.start(settings.record_file, false));
        (void)recording;
    }
    proxy->m_server.start();
    spdlog::info("proxy of cluster {} serving on {}:{}; Redis at {}", settings.cluster_id,
                 settings.listen_host, proxy->m_port, url.redacted());
    if (generated_token) {
        announce_generated_token(effective, proxy->m_port);
    }
    if (settings.cluster_token.empty()) {
        spdlog::info("no cluster token was configured: learning it from Redis; until then "
                     "requests that change the cluster answer 503");
    }
    return proxy;
}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::stop()
{
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    // First, while the view and Redis can still give its last snapshot.
    (void)m_recording.stop();
    // Streams and forwarded requests first: they hold server threads that
    // the server's stop waits for.
    m_hub.close();
    m_pool.shutdown();
    m_server.stop();
    spdlog::debug("HTTP server stopped");
    m_status_publisher.reset();
    m_trace_follower.reset();
    m_registry_poller.reset();
    m_view.stop();
}

} // namespace raftescort::proxy
