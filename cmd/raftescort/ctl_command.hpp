#pragma once

// `raftescort ctl`: the terminal client of the proxy, for people (tables)
// and for scripts (--json). This file parses the command line; the
// requests live in ctl_client, the commands in ctl_queries, ctl_changes and
// ctl_watch.

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
    mission_show,
    mission_start,
    mission_pause,
    mission_set,
    members_add,
    members_remove,
    transfer_leader,
};

/// Everything `raftescort ctl` reads from its command line and environment.
struct CtlOptions {
    std::string proxy_url = "http://127.0.0.1:8888";
    /// `--admin-token-file FILE`; empty means the environment or the
    /// default file (secret_options.hpp: resolve_ctl_admin_token).
    std::string admin_token_file;
    /// `--tls-ca FILE`: the CA an https proxy's certificate must be signed
    /// by; empty means the system's CAs (and the host name is checked).
    std::string tls_ca_file;
    /// Print one JSON document for scripts instead of tables.
    bool json = false;
    CtlAction action = CtlAction::none;
    /// The command's words after "ctl" ("mission set"), for error messages.
    std::string command;
    /// `move X Y`: the formation shift; `mission set X Y`: the target point.
    std::int64_t x = 0;
    std::int64_t y = 0;
    /// `elections --term N` or `leaders --term N`; 0 means every term.
    std::uint64_t term = 0;
    /// `logs --node ID|HOST:PORT`; empty means every node.
    std::string node;
    /// `watch --count N`: frames to print before stopping; 0 means no limit.
    std::uint64_t count = 0;
    /// `members add ID HOST:PORT`, `members remove ID`: the member's id.
    std::uint64_t member_id = 0;
    /// `members add ID HOST:PORT`: the address the new node will serve on.
    std::string member_address;
    /// `members remove ID --force`: remove it even if quorum would be lost.
    bool force = false;
    /// `transfer-leader --to ID`; 0 lets the proxy pick the most caught-up voter.
    std::uint64_t transfer_to = 0;
};

/// Adds the `ctl` subcommand and its own subcommands to `app`.
void setup_ctl_command(CLI::App& app);

/// Sends the request to the proxy and prints the answer. Throws ExitError.
void run_ctl(const CtlOptions& options);

} // namespace raftescort::cmd
