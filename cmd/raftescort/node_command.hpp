#pragma once

// `raftescort node`: one member of the Raft cluster that escorts the convoy.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace raftescort::cmd {

/// Everything `raftescort node` reads from its command line and environment,
/// after validation. Durations are in milliseconds.
struct NodeOptions {
    /// This node's Raft id; 0 means none was given.
    std::uint64_t id = 0;
    /// The cluster's name (Redis key namespace, checked on peer messages).
    std::string cluster_id = "raftescort";
    /// Address the node's HTTP server binds, HOST:PORT.
    std::string listen = "0.0.0.0:5000";
    /// Address peers and the proxy use to reach this node; empty means
    /// the listen address.
    std::string advertise;
    std::string redis_url = "redis://127.0.0.1:6379";
    std::string data_dir = "raftescort-data";
    std::int64_t heartbeat_interval_ms = 50;
    /// The base election timeout; each election waits a random time between
    /// this and twice this. At least 3 × heartbeat_interval_ms.
    std::int64_t election_timeout_ms = 300;
    /// How often the leader proposes a convoy step while the mission runs.
    std::int64_t step_interval_ms = 1000;
    /// Whether the mission starts running by itself once a leader exists.
    bool autopilot = true;
    /// Shared secret for node-to-node calls; empty means none.
    std::string cluster_token;
    std::string log_level = "info";
};

/// Adds the `node` subcommand to `app`.
void setup_node_command(CLI::App& app);

/// Checks the rules that span options (CLI11 checks each option alone).
/// Throws CLI::ValidationError.
void validate_node_options(const NodeOptions& options);

/// Runs the node role. Throws ExitError.
void run_node(const NodeOptions& options);

} // namespace raftescort::cmd
