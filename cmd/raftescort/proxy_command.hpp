#pragma once

// `raftescort proxy`: the public face of the cluster (HTTP API, dashboard,
// forwarding client moves to the leader).

#include <CLI/CLI.hpp>

#include <string>

namespace raftescort::cmd {

/// Everything `raftescort proxy` reads from its command line and environment.
struct ProxyOptions {
    /// Address the external HTTP API binds, HOST:PORT.
    std::string listen = "0.0.0.0:8888";
    std::string redis_url = "redis://127.0.0.1:6379";
};

/// Adds the `proxy` subcommand to `app`.
void setup_proxy_command(CLI::App& app);

/// Runs the proxy role. Throws ExitError.
void run_proxy(const ProxyOptions& options);

} // namespace raftescort::cmd
