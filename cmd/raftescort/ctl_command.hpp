#pragma once

// `raftescort ctl`: the terminal client of the proxy, for people (tables)
// and for scripts (--json).

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace raftescort::cmd {

/// The request a `raftescort ctl` command line names.
enum class CtlAction {
    /// No subcommand was parsed yet; never reaches run_ctl().
    none,
    move,
    status,
    elections,
    leaders,
    positions,
    logs,
    watch,
    mission_start,
    mission_pause,
    mission_set,
};

/// Everything `raftescort ctl` reads from its command line and environment.
struct CtlOptions {
    std::string proxy_url = "http://127.0.0.1:8888";
    /// Print one JSON document for scripts instead of tables.
    bool json = false;
    CtlAction action = CtlAction::none;
    /// `move X Y`: the formation shift; `mission set X Y`: the target point.
    std::int64_t x = 0;
    std::int64_t y = 0;
    /// `elections --term N`; 0 means every term.
    std::uint64_t term = 0;
    /// `logs --node ID`; empty means every node.
    std::string node;
};

/// Adds the `ctl` subcommand and its own subcommands to `app`.
void setup_ctl_command(CLI::App& app);

/// Sends the request to the proxy and prints the answer. Throws ExitError.
void run_ctl(const CtlOptions& options);

} // namespace raftescort::cmd
