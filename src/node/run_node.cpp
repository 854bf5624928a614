#include "node/cluster_entry.hpp"
#include "node/cluster_token.hpp"
#include "node/node_api.hpp"
#include "node/node_loop.hpp"
#include "node/registry_worker.hpp"
#include "node/signal_wait.hpp"
#include "node/spdlog_logger.hpp"

#include <raftescort/node/node.hpp>
#include <raftescort/store/disk_storage.hpp>
#include <raftescort/transport/http_server.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/thread_name.hpp>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

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
    std::int64_t tick_ms =
        std::max<std::int64_t>(1, settings.heartbeat_interval_ms / k_ticks_per_heartbeat);
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

util::Status run_node(const NodeSettings& settings)
{
    SignalWait signals;
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

    SpdlogLogger core_logger;
    runtime::ReplicaOptions options = replica_options(settings, id, found_cluster, core_logger);
    RE_TRY(replica, runtime::Replica::open(options));
    spdlog::info("opened {} (term {}, last index {}, commit {})", settings.data_dir,
                 replica->raft().term().value, replica->raft().last_index().value,
                 replica->raft().commit_index().value);

    AddressBook address_book;
    std::mutex fatal_mutex;
    std::string fatal_message;

    // The worker reads the role through the loop, which exists only below;
    // the pointer is set before the worker's first refresh can matter.
    std::atomic<NodeLoop*> loop_pointer{nullptr};
    RegistryWorkerOptions worker_options;
    worker_options.self = id;
    worker_options.self_address = settings.advertise;
    worker_options.registration_ttl_ms =
        static_cast<std::uint64_t>(std::max<std::int64_t>(5000, 10 * settings.election_timeout_ms));
    worker_options.cluster_token = cluster_token;
    RegistryWorker worker(std::move(registry), worker_options, address_book, [&loop_pointer] {
        NodeLoop* loop = loop_pointer.load();
        if (loop == nullptr) {
            return RegistrationState{"follower", raft::Term{}};
        }
        NodeStatus status = loop->status();
        return RegistrationState{status.role, status.term};
    });

    NodeLoopOptions loop_options;
    loop_options.cluster_id = settings.cluster_id;
    loop_options.self_address = settings.advertise;
    loop_options.cluster_token = cluster_token;
    loop_options.tls = settings.tls;
    loop_options.tick_ms =
        std::max<std::int64_t>(1, settings.heartbeat_interval_ms / k_ticks_per_heartbeat);
    loop_options.step_interval_ms = settings.step_interval_ms;
    // One heartbeat late is ordinary under load; half another is worth a
    // connect to tell a dead leader from a slow one.
    loop_options.leader_probe_after_ms = settings.heartbeat_interval_ms * 3 / 2;
    loop_options.autopilot = settings.autopilot;
    NodeLoop loop(std::move(replica), loop_options, address_book, worker,
                  [&fatal_mutex, &fatal_message](const std::string& message) {
                      std::lock_guard lock(fatal_mutex);
                      fatal_message = message;
                      SignalWait::raise_fatal();
                  });
    loop_pointer.store(&loop);

    transport::HttpServerOptions server_options;
    server_options.api_threads_max = k_api_threads;
    server_options.peer_threads_max = k_peer_threads;
    // Peers and the proxy show the cluster token: their connections are
    // never evicted to make room for a client's.
    if (!cluster_token.empty()) {
        server_options.trust_header = transport::k_token_header;
        server_options.trust_value = cluster_token;
    }
    transport::HttpServer server(server_options);
    transport::RaftEndpointOptions endpoint;
    endpoint.cluster_id = settings.cluster_id;
    endpoint.self = id;
    endpoint.cluster_token = cluster_token;
    transport::install_raft_endpoint(
        server, endpoint, [&address_book, &loop](std::vector<transport::InboundMessage> inbound) {
            raft::NodeId learned;
            for (const transport::InboundMessage& message : inbound) {
                if (!message.sender_address.empty() && message.message.from != learned) {
                    learned = message.message.from;
                    address_book.set(learned, message.sender_address);
                }
            }
            return loop.deliver(std::move(inbound));
        });
    NodeApiOptions api;
    api.cluster_token = cluster_token;
    api.admin_token = settings.admin_token;
    api.commit_timeout_ms = std::max<std::int64_t>(3000, 4 * settings.election_timeout_ms);
    install_node_api(server, loop, api);
    if (settings.tls.enabled()) {
        // Mutual: only whoever holds a certificate of the cluster's CA (a
        // member, the proxy) gets past the handshake.
        RE_TRY(tls, server.enable_tls(settings.tls, true));
        (void)tls;
    }
    if (!server.bind(settings.listen_host, settings.listen_port)) {
        return util::make_error(util::ErrorCode::unavailable,
                                "cannot listen on " + settings.listen_host + ":"
                                    + std::to_string(settings.listen_port)
                                    + " (in use, or not an address of this host?)");
    }
    server.start();
    spdlog::info("node {} of cluster {} serving on {}:{}, reachable at {}", id.value,
                 settings.cluster_id, settings.listen_host, settings.listen_port,
                 settings.advertise);

    int signal = signals.wait(-1);
    spdlog::info("stopping on signal {}: no leadership handover, by design", signal);
    // Raft stops first, so a stopping node never campaigns or answers a peer.
    loop.stop();
    server.stop();
    spdlog::debug("HTTP server stopped");
    loop_pointer.store(nullptr);
    if (signal == SignalWait::k_fatal_signal) {
        std::lock_guard lock(fatal_mutex);
        return util::make_error(util::ErrorCode::io_error, fatal_message);
    }
    return util::Ok{};
}

} // namespace raftescort::node
