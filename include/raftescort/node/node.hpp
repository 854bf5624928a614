#pragma once

// `raftescort node`: one member of the cluster, as a process.
//
// Threads, each with one job:
//   - the loop thread owns the Replica (core, escort, disk); nothing else
//     touches it (src/node/node_loop.hpp);
//   - HTTP server threads decode requests and queue them for the loop;
//   - one sender thread per peer (transport/peer_sender.hpp);
//   - the registry worker owns the Redis client, so a slow or dead Redis
//     never delays an election or a commit (src/node/registry_worker.hpp);
//   - the main thread waits for SIGTERM/SIGINT and stops the others.

#include <raftescort/raft/types.hpp>
#include <raftescort/transport/tls.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>

namespace raftescort::node {

/// What a node runs with; the command line fills it (cmd/raftescort).
struct NodeSettings {
    /// This node's id; k_no_node means "the one in the data dir, or a fresh
    /// one allocated through Redis".
    raft::NodeId id;
    /// Namespaces the Redis keys and is checked on every node-to-node message.
    std::string cluster_id = "raftescort";
    /// Address the HTTP server binds.
    std::string listen_host = "0.0.0.0";
    std::uint16_t listen_port = 5000;
    /// host:port peers and the proxy reach this node at.
    std::string advertise;
    std::string redis_url = "redis://127.0.0.1:6379";
    std::string data_dir = "raftescort-data";
    std::int64_t heartbeat_interval_ms = 50;
    std::int64_t election_timeout_ms = 300;
    std::int64_t step_interval_ms = 1000;
    /// Start the mission by itself when it has never run.
    bool autopilot = true;
    /// Keep a sampled trace of the Raft messages it sends (GET /raft/trace).
    bool trace = true;
    /// The cluster token given by the operator; empty means the one in the
    /// data dir, or Redis's (src/node/cluster_token.hpp). The node always
    /// runs with one: it is required on node-to-node requests.
    std::string cluster_token;
    /// Accepted as "Authorization: Bearer <token>" on the node's routes that
    /// change the cluster; empty means only the cluster token is.
    std::string admin_token;
    /// Replaces the password of redis_url when not empty (REDIS_PASSWORD_FILE).
    std::string redis_password;
    /// Entries applied between compaction snapshots.
    std::uint64_t snapshot_every_entries = 10000;
    /// Enabled: the node serves HTTPS and takes only clients (peers, the
    /// proxy) whose certificate the CA signed, and talks to peers the same way.
    transport::TlsFiles tls;
};

/// Runs the node until SIGTERM or SIGINT (then returns Ok) or a fatal error
/// (storage failure, refusal to join): returns the error, with a message
/// that says what to do. Blocks those signals in every thread it starts.
util::Status run_node(const NodeSettings& settings);

} // namespace raftescort::node
