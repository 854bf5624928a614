#include "node/node_server.hpp"

#include "node/cluster_entry.hpp"
#include "node/cluster_token.hpp"
#include "node/node_api.hpp"

#include <raftescort/store/disk_storage.hpp>
#include <raftescort/transport/raft_endpoint.hpp>

#include <spdlog/spdlog.h>

#include <random>

namespace raftescort::node {

namespace {

// Handlers of the API that may run at once: each move waits for its commit,
// and the proxy keeps up to 32 in flight. Idle or slow connections hold no
// thread (http_server.hpp).
constexpr std::size_t k_api_threads = 64;
// Raft messages from every peer at once, each waiting at most the reply
// wait for the node's answers.
constexpr std::size_t k_peer_threads = 16;
// Heartbeat and election timeout are whole ticks; five ticks per heartbeat
// give the election timeout's randomization a fine grain.
constexpr std::int64_t k_ticks_per_heartbeat = 5;

/// The core's tick: heartbeat and election timeout are whole ticks of it.
std::int64_t tick_ms_of(const NodeSettings& settings)
{
    return std::max<std::int64_t>(1, settings.heartbeat_interval_ms / k_ticks_per_heartbeat);
}

registry::RegistryOptions registry_options(const NodeSettings& settings,
                                           const registry::RedisUrl& url, raft::NodeId id)
{
    registry::RegistryOptions options;
    options.url = url;
    options.cluster_id = settings.cluster_id;
    options.client_name =
        id == raft::k_no_node ? "node-starting" : "node-" + std::to_string(id.value);
    std::random_device random;
    options.run_id = std::to_string(random()) + "-" + std::to_string(random());
    return options;
}

/// The id in the data dir, reconciled with --id.
util::Result<std::optional<raft::NodeId>> recorded_id(const NodeSettings& settings)
{
    RE_TRY(identity, store::read_identity(settings.data_dir));
    if (!identity) {
        return std::optional<raft::NodeId>{};
    }
    if (identity->cluster_id != settings.cluster_id) {
        return util::make_error(util::ErrorCode::rejected,
                                "data dir " + settings.data_dir + " belongs to cluster "
                                    + identity->cluster_id + ", not " + settings.cluster_id
                                    + ": pass --cluster " + identity->cluster_id
                                    + " or another --data-dir");
    }
    if (settings.id != raft::k_no_node && settings.id != identity->node_id) {
        return util::make_error(util::ErrorCode::rejected,
                                "data dir " + settings.data_dir + " belongs to node "
                                    + std::to_string(identity->node_id.value) + ", not "
                                    + std::to_string(settings.id.value) + ": pass --id "
                                    + std::to_string(identity->node_id.value)
                                    + " or another --data-dir");
    }
    return std::optional<raft::NodeId>{identity->node_id};
}

runtime::ReplicaOptions replica_options(const NodeSettings& settings, raft::NodeId id,
                                        bool found_cluster, util::Logger& logger)
{
    std::int64_t tick_ms = tick_ms_of(settings);
    runtime::ReplicaOptions options;
    options.data_dir = settings.data_dir;
    options.cluster_id = settings.cluster_id;
    options.raft.id = id;
    options.raft.heartbeat_ticks = static_cast<std::uint32_t>(
        std::max<std::int64_t>(1, settings.heartbeat_interval_ms / tick_ms));
    options.raft.election_ticks = static_cast<std::uint32_t>(
        std::max<std::int64_t>(1, settings.election_timeout_ms / tick_ms));
    std::random_device random;
    options.raft.seed = (static_cast<std::uint64_t>(random()) << 32) ^ random() ^ id.value;
    options.raft.logger = &logger;
    if (found_cluster) {
        options.bootstrap_conf.voters.insert(id);
    }
    options.snapshot_every_entries = settings.snapshot_every_entries;
    return options;
}

} // namespace

util::Result<std::unique_ptr<NodeServer>> NodeServer::start(const NodeSettings& settings,
                                                            SignalWait& signals,
                                                            NodeLoop::FatalHandler on_fatal)
{
    RE_TRY(url, registry::parse_redis_url(settings.redis_url));
    if (!settings.redis_password.empty()) {
        url.password = settings.redis_password;
    }
    RE_TRY(existing_id, recorded_id(settings));
    RE_TRY(cluster_token, local_cluster_token(settings));

    raft::NodeId id = existing_id ? *existing_id : settings.id;
    bool found_cluster = false;
    auto registry = std::make_unique<registry::Registry>(registry_options(settings, url, id));
    if (!existing_id) {
        spdlog::info("data dir {} holds no log: joining cluster {} through Redis at {}",
                     settings.data_dir, settings.cluster_id, url.redacted());
        RE_TRY(entry, enter_cluster(settings, *registry, signals, cluster_token));
        id = entry.id;
        found_cluster = entry.found_cluster;
        cluster_token = entry.cluster_token;
        if (found_cluster) {
            spdlog::info("founding cluster {} as its first voter", settings.cluster_id);
        }
        if (settings.id == raft::k_no_node) {
            registry = std::make_unique<registry::Registry>(registry_options(settings, url, id));
        }
    } else if (cluster_token.empty()) {
        spdlog::info("data dir {} holds no cluster token: learning it through Redis at {}",
                     settings.data_dir, url.redacted());
        RE_TRY(learned, learn_cluster_token(settings, *registry, signals));
        cluster_token = learned;
    }
    // From here on the node requires the token of every peer and of /join.
    RE_ASSERT(!cluster_token.empty());

    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e node " + std::to_string(id.value) + " %l: %v");

    std::unique_ptr<NodeServer> node(new NodeServer(settings, id, std::move(cluster_token)));
    runtime::ReplicaOptions options =
        replica_options(settings, id, found_cluster, node->m_core_logger);
    RE_TRY(replica, runtime::Replica::open(options));
    spdlog::info("opened {} (term {}, last index {}, commit {})", settings.data_dir,
                 replica->raft().term().value, replica->raft().last_index().value,
                 replica->raft().commit_index().value);
    node->make_worker(std::move(registry));
    node->make_loop(std::move(replica), std::move(on_fatal));
    RE_TRY(served, node->serve());
    (void)served;
    return node;
}

NodeServer::~NodeServer() { stop(); }

void NodeServer::make_worker(std::unique_ptr<registry::Registry> registry)
{
    RegistryWorkerOptions options;
    options.self = m_id;
    options.self_address = m_settings.advertise;
    options.registration_ttl_ms = static_cast<std::uint64_t>(
        std::max<std::int64_t>(5000, 10 * m_settings.election_timeout_ms));
    options.cluster_token = m_cluster_token;
    m_worker =
        std::make_unique<RegistryWorker>(std::move(registry), options, m_address_book, [this] {
            NodeLoop* loop = m_loop_pointer.load();
            if (loop == nullptr) {
                return RegistrationState{"follower", raft::Term{}};
            }
            NodeStatus status = loop->status();
            return RegistrationState{status.role, status.term};
        });
}

void NodeServer::make_loop(std::unique_ptr<runtime::Replica> replica,
                           NodeLoop::FatalHandler on_fatal)
{
    NodeLoopOptions options;
    options.cluster_id = m_settings.cluster_id;
    options.self_address = m_settings.advertise;
    options.cluster_token = m_cluster_token;
    options.tls = m_settings.tls;
    options.tick_ms = tick_ms_of(m_settings);
    options.step_interval_ms = m_settings.step_interval_ms;
    // One heartbeat late is ordinary under load; half another is worth a
    // connect to tell a dead leader from a slow one.
    options.leader_probe_after_ms = m_settings.heartbeat_interval_ms * 3 / 2;
    options.autopilot = m_settings.autopilot;
    options.trace = m_settings.trace;
    // The data dir holds this node's state by now, so no bootstrap: the
    // built-in crash recovers exactly as a restarted process does.
    options.reopen = [this]() {
        return runtime::Replica::open(replica_options(m_settings, m_id, false, m_core_logger));
    };
    m_loop = std::make_unique<NodeLoop>(std::move(replica), options, m_address_book, *m_worker,
                                        std::move(on_fatal));
    m_loop_pointer.store(m_loop.get());
}

util::Status NodeServer::serve()
{
    transport::HttpServerOptions options;
    options.api_threads_max = k_api_threads;
    options.peer_threads_max = k_peer_threads;
    // Peers and the proxy show the cluster token: their connections are
    // never evicted to make room for a client's.
    options.trust_header = transport::k_token_header;
    options.trust_value = m_cluster_token;
    m_server = std::make_unique<transport::HttpServer>(options);

    transport::RaftEndpointOptions endpoint;
    endpoint.cluster_id = m_settings.cluster_id;
    endpoint.self = m_id;
    endpoint.cluster_token = m_cluster_token;
    transport::install_raft_endpoint(
        *m_server, endpoint, [this](std::vector<transport::InboundMessage> inbound) {
            raft::NodeId learned;
            for (const transport::InboundMessage& message : inbound) {
                if (!message.sender_address.empty() && message.message.from != learned) {
                    learned = message.message.from;
                    m_address_book.set(learned, message.sender_address);
                }
            }
            return m_loop->deliver(std::move(inbound));
        });
    NodeApiOptions api;
    api.cluster_token = m_cluster_token;
    api.admin_token = m_settings.admin_token;
    api.commit_timeout_ms = std::max<std::int64_t>(3000, 4 * m_settings.election_timeout_ms);
    install_node_api(*m_server, *m_loop, api);
    if (m_settings.tls.enabled()) {
        // Mutual: only whoever holds a certificate of the cluster's CA (a
        // member, the proxy) gets past the handshake.
        RE_TRY(tls, m_server->enable_tls(m_settings.tls, true));
        (void)tls;
    }
    if (!m_server->bind(m_settings.listen_host, m_settings.listen_port)) {
        return util::make_error(util::ErrorCode::unavailable,
                                "cannot listen on " + m_settings.listen_host + ":"
                                    + std::to_string(m_settings.listen_port)
                                    + " (in use, or not an address of this host?)");
    }
    m_port = m_server->port();
    m_server->start();
    spdlog::info("node {} of cluster {} serving on {}:{}, reachable at {}", m_id.value,
                 m_settings.cluster_id, m_settings.listen_host, m_port, m_settings.advertise);
    return util::Ok{};
}

void NodeServer::stop()
{
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    if (m_loop) {
        m_loop->stop();
    }
    if (m_server) {
        m_server->stop();
        spdlog::debug("HTTP server stopped");
    }
    m_loop_pointer.store(nullptr);
}

} // namespace raftescort::node
