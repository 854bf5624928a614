#pragma once

// `raftescort ctl`: the terminal client of the proxy, for people (tables)
// and for scripts (--json). This file defines its command line; what a
// command does lives in the ctl library (raftescort/ctl/ctl.hpp).

#include <raftescort/ctl/ctl.hpp>

#include <CLI/CLI.hpp>

#include <string>

namespace raftescort::cmd {

/// Everything `raftescort ctl` reads from its command line and environment.
struct CtlOptions {
    /// All but the admin token, which run_ctl() resolves.
    ctl::CtlSettings settings;
    /// `--admin-token-file FILE`; empty means the environment or the
    /// default file (secret_options.hpp: resolve_ctl_admin_token).
    std::string admin_token_file;
};

/// Adds the `ctl` subcommand and its own subcommands to `app`.
void setup_ctl_command(CLI::App& app);

/// Sends the request to the proxy and prints the answer on stdout. Throws
/// ExitError, or CLI::ValidationError for unusable settings.
void run_ctl(const CtlOptions& options);

} // namespace raftescort::cmd
