#pragma once

// `raftescort proxy`: the public face of the cluster (HTTP API, dashboard,
// forwarding client moves to the leader).

#include <raftescort/transport/tls.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace raftescort::cmd {

/// Everything `raftescort proxy` reads from its command line and environment,
/// after validation. Durations are in milliseconds.
struct ProxyOptions {
    /// Address the external HTTP API binds, HOST:PORT.
    std::string listen = "0.0.0.0:8888";
    std::string redis_url = "redis://127.0.0.1:6379";
    /// The cluster whose Redis keys the proxy reads (the nodes' --cluster).
    std::string cluster_id = "raftescort";
    /// Sent to the nodes on the change requests it forwards; empty means
    /// "learn it from Redis".
    std::string cluster_token;
    /// Required on the routes that change the cluster; empty means
    /// "generate one and log it".
    std::string admin_token;
    /// From REDIS_PASSWORD_FILE: replaces the password of redis_url.
    std::string redis_password;
    /// All three files, or none (no TLS).
    transport::TlsFiles tls;
    /// How often every node's status is polled.
    std::int64_t poll_interval_ms = 250;
    /// How long a move or mission request may take before it is answered 503.
    std::int64_t request_timeout_ms = 5000;
    std::string log_level = "info";
    /// --record FILE: record the event stream from the start; empty: no.
    std::string record_file;
    /// --record-max-bytes: where a recording stops.
    std::uint64_t record_bytes_max = 64ull * 1024 * 1024;
};

/// Adds the `proxy` subcommand to `app`.
void setup_proxy_command(CLI::App& app);

/// Runs the proxy role until SIGTERM or SIGINT. Throws ExitError.
void run_proxy(const ProxyOptions& options);

} // namespace raftescort::cmd
