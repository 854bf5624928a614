#include "proxy/proxy_server.hpp"

#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <random>

namespace raftescort::proxy {

namespace {

// One thread per open connection (NOTES.md): every event stream holds one
// for as long as it is open, and each forwarded move holds one until commit.
constexpr std::size_t k_server_threads = 64;
constexpr std::size_t k_event_streams_max = 40;
// Connections the kernel may queue before the server accepts them.
constexpr int k_listen_backlog = 256;
// Concurrent moves without a client id of their own (one lane each). Each
// holds a connection (so a thread) on the leader, whose pool is sized for a
// few dozen; 32 lanes keep a loaded proxy from queueing behind a handful.
constexpr std::size_t k_move_lanes = 32;
static_assert(k_event_streams_max < k_server_threads,
              "event streams must leave threads for the API");

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

ClusterViewOptions view_options(const ProxySettings& settings)
{
    ClusterViewOptions options;
    options.poller.poll_interval_ms = settings.poll_interval_ms;
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
    // Every lane can have a move in flight to the leader at once. With 8 idle
    // clients kept, a proxy loaded by 64 clients closed and reopened about
    // 300 connections a second (each a handshake, an accept and a server
    // thread on the leader); writes/s stayed within noise either way.
    options.idle_clients_per_node_max = k_move_lanes;
    return options;
}

EventHubOptions hub_options()
{
    EventHubOptions options;
    options.subscribers_max = k_event_streams_max;
    return options;
}

} // namespace

ProxyServer::ProxyServer(const ProxySettings& settings,
                         std::unique_ptr<registry::Registry> registry)
    : m_settings(settings), m_registry(std::move(registry)), m_view(view_options(settings)),
      m_pool(pool_options(settings)), m_forwarder(m_view, m_pool, forwarder_options(settings)),
      m_lanes(MoveLanes::random_prefix(), k_move_lanes),
      m_hub(hub_options()), m_context{m_settings, m_view,     m_pool, m_forwarder,
                                      m_lanes,    m_registry, m_hub,  m_metrics}
{ }

util::Result<std::unique_ptr<ProxyServer>> ProxyServer::start(const ProxySettings& settings)
{
    if (settings.poll_interval_ms <= 0 || settings.request_timeout_ms <= 0) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "the poll interval and the request timeout must be positive");
    }
    RE_TRY(url, registry::parse_redis_url(settings.redis_url));
    auto registry = std::make_unique<registry::Registry>(registry_options(settings, url));
    std::unique_ptr<ProxyServer> proxy(new ProxyServer(settings, std::move(registry)));

    transport::configure_server(proxy->m_server, k_server_threads);
    install_routes(proxy->m_server, proxy->m_context);
    if (settings.listen_port == 0) {
        proxy->m_port = proxy->m_server.bind_to_any_port(settings.listen_host);
    } else if (proxy->m_server.bind_to_port(settings.listen_host, settings.listen_port)) {
        proxy->m_port = settings.listen_port;
    }
    if (proxy->m_port <= 0) {
        return util::make_error(util::ErrorCode::unavailable,
                                "cannot listen on " + settings.listen_host + ":"
                                    + std::to_string(settings.listen_port)
                                    + " (in use, or not an address of this host?)");
    }
    if (!proxy->m_server.widen_listen_backlog(k_listen_backlog)) {
        spdlog::warn("could not widen the listen backlog; bursts of connections may wait 1 s");
    }
    proxy->m_registry_poller = std::make_unique<RegistryPoller>(
        proxy->m_registry, proxy->m_view, proxy->m_hub, RegistryPollerOptions{});
    proxy->m_status_publisher = std::make_unique<StatusPublisher>(
        proxy->m_view, proxy->m_hub, std::max<std::int64_t>(250, settings.poll_interval_ms));
    ProxyServer* raw = proxy.get();
    proxy->m_listener = std::thread([raw] {
        transport::name_this_thread("listen");
        raw->m_server.listen_after_bind();
    });
    spdlog::info("proxy of cluster {} serving on {}:{}; Redis at {}", settings.cluster_id,
                 settings.listen_host, proxy->m_port, url.redacted());
    return proxy;
}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::stop()
{
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    // Streams and forwarded requests first: they hold server threads that
    // the server's stop waits for.
    m_hub.close();
    m_pool.shutdown();
    m_server.stop();
    if (m_listener.joinable()) {
        m_listener.join();
    }
    spdlog::debug("HTTP server stopped");
    m_status_publisher.reset();
    m_registry_poller.reset();
    m_view.stop();
}

} // namespace raftescort::proxy
