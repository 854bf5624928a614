#pragma once

// The node assembled: its Redis worker, the loop that owns its Replica, and
// the HTTP server with the Raft endpoint and the node API. run_node() runs
// one until a signal; tests run one in process.

#include "node/address_book.hpp"
#include "node/node_loop.hpp"
#include "node/registry_worker.hpp"
#include "node/signal_wait.hpp"
#include "node/spdlog_logger.hpp"

#include <raftescort/node/node.hpp>
#include <raftescort/transport/http_server.hpp>
#include <raftescort/util/result.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace raftescort::node {

class NodeServer {
public:
    /// Enters the cluster (founding it, joining it through Redis, or
    /// reopening the data dir), opens the Replica, binds the listen address
    /// (port 0: any free port) and starts serving. Waiting to join ends
    /// early when `signals` sees a stop signal. `on_fatal` is called, from
    /// the loop's thread, on an error the node cannot carry on from.
    static util::Result<std::unique_ptr<NodeServer>>
    start(const NodeSettings& settings, SignalWait& signals, NodeLoop::FatalHandler on_fatal);
    /// stop().
    ~NodeServer();
    NodeServer(const NodeServer&) = delete;
    NodeServer& operator=(const NodeServer&) = delete;

    raft::NodeId id() const { return m_id; }
    /// The port the server listens on.
    std::uint16_t port() const { return m_port; }
    const std::string& cluster_token() const { return m_cluster_token; }
    NodeLoop& loop() { return *m_loop; }

    /// Raft first, so a stopping node never campaigns or answers a peer;
    /// then the HTTP server. No leadership handover, by design. Idempotent.
    void stop();

private:
    NodeSettings m_settings;
    raft::NodeId m_id;
    std::string m_cluster_token;
    std::uint16_t m_port = 0;
    // The core's log lines go to spdlog; the Replica holds a pointer to it.
    SpdlogLogger m_core_logger;
    AddressBook m_address_book;
    // The worker reads the role through the loop, which is made after it.
    std::atomic<NodeLoop*> m_loop_pointer{nullptr};
    std::unique_ptr<RegistryWorker> m_worker;
    std::unique_ptr<NodeLoop> m_loop;
    std::unique_ptr<transport::HttpServer> m_server;
    bool m_stopped = false;

    NodeServer(const NodeSettings& settings, raft::NodeId id, std::string cluster_token)
        : m_settings(settings), m_id(id), m_cluster_token(std::move(cluster_token))
    { }
    void make_worker(std::unique_ptr<registry::Registry> registry);
    void make_loop(std::unique_ptr<runtime::Replica> replica, NodeLoop::FatalHandler on_fatal);
    util::Status serve();
};

} // namespace raftescort::node
