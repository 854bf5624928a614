#pragma once

// The proxy assembled: the cluster view and its pollers, the Redis reader,
// the event hub and its publishers, the forwarder, and the HTTP server with
// every route. run_proxy() runs one until a signal; the tests run one in
// process against fake nodes.

#include "proxy/api/api_context.hpp"
#include "proxy/view/registry_poller.hpp"
#include "proxy/view/status_publisher.hpp"
#include "proxy/view/trace_follower.hpp"
#include <raftescort/transport/http_server.hpp>

#include <raftescort/proxy/proxy.hpp>
#include <raftescort/util/result.hpp>

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

namespace raftescort::proxy {

class ProxyServer {
public:
    /// Binds the listen address (port 0: any free port) and starts serving.
    static util::Result<std::unique_ptr<ProxyServer>> start(const ProxySettings& settings);
    /// stop().
    ~ProxyServer();
    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    /// The port the server listens on.
    int port() const { return m_port; }
    /// The admin token the change routes require: the configured one, or
    /// the one generated at start.
    const std::string& admin_token() const { return m_settings.admin_token; }
    /// The cluster token sent to the nodes; empty until learned.
    std::string cluster_token() const { return m_pool.cluster_token(); }
    ClusterView& view() { return m_view; }

    /// Ends event streams and requests in flight, then every thread; prompt
    /// (well under the 2 s a SIGTERM may take). Idempotent.
    void stop();

private:
    ProxySettings m_settings;
    SharedRegistry m_registry;
    ClusterView m_view;
    ClientPool m_pool;
    Forwarder m_forwarder;
    MoveLanes m_lanes;
    EventHub m_hub;
    ProxyMetrics m_metrics;
    RecordingControl m_recording;
    LessonBoard m_lessons;
    ApiContext m_context;
    transport::HttpServer m_server;
    int m_port = 0;
    std::unique_ptr<RegistryPoller> m_registry_poller;
    std::unique_ptr<StatusPublisher> m_status_publisher;
    std::unique_ptr<TraceFollower> m_trace_follower;
    bool m_stopped = false;

    ProxyServer(const ProxySettings& settings, std::unique_ptr<registry::Registry> registry);
};

} // namespace raftescort::proxy
