#pragma once

// `raftescort ctl`: the terminal client of the proxy, for people (tables)
// and for scripts (--json). It only talks to the proxy's HTTP API
// (raftescort/proxy/proxy.hpp): one single-threaded keep-alive client, no
// core, no Redis.
//
// The command line (cmd/raftescort) fills CtlSettings and calls run_ctl();
// everything a command does happens here: the requests (src/ctl/client),
// the tables and messages (src/ctl/format, src/ctl/table), `watch` and its
// terminal (src/ctl/watch, src/ctl/terminal).

#include <raftescort/util/result.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace raftescort::ctl {

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
    /// log: each node's Raft log window (GET /raft/log).
    log,
    /// trace: the nodes' Raft messages, live (the proxy's trace events).
    trace,
    watch,
    mission_show,
    mission_start,
    mission_pause,
    mission_set,
    timing,
    members_add,
    members_remove,
    transfer_leader,
    /// chaos KIND TARGET: put a built-in fault on nodes.
    chaos_fault,
    chaos_heal,
    chaos_status,
    /// record start FILE, record stop, record status: the proxy's recording.
    record_start,
    record_stop,
    record_status,
    /// lesson list, lesson run NAME: the guided lessons.
    lesson_list,
    lesson_run,
};

/// What one ctl command runs with; the command line fills it.
struct CtlSettings {
    /// http[s]://HOST[:PORT][/PREFIX]; anything else is an invalid_argument
    /// error naming --proxy.
    std::string proxy_url = "http://127.0.0.1:8888";
    /// Sent as "Authorization: Bearer" with every request when not empty.
    /// The command line finds it (file, environment); never a flag value.
    std::string admin_token;
    /// The CA an https proxy's certificate must be signed by; empty means
    /// the system's CAs (and the host name is checked).
    std::string tls_ca_file;
    /// Sent as the User-Agent "raftescort-ctl/<version>".
    std::string version = "0.1.0";
    /// Print one JSON document for scripts instead of tables.
    bool json = false;
    CtlAction action = CtlAction::none;
    /// The command's words after "ctl" ("mission set").
    std::string command;
    /// `move X Y`: the formation shift; `mission set X Y`: the target point.
    std::int64_t x = 0;
    std::int64_t y = 0;
    /// `elections --term N` or `leaders --term N`; 0 means every term.
    std::uint64_t term = 0;
    /// `logs --node ID|HOST:PORT`, `log --node ID`, `trace --node ID`;
    /// empty means every node.
    std::string node;
    /// `log --from N`: the window's first index; -1 means the last entries.
    std::int64_t log_from = -1;
    /// `log --limit N`: entries per node; 0 means the proxy's default (40).
    std::uint64_t log_limit = 0;
    /// `watch --count N`: frames to print before stopping; `trace --count
    /// N`: messages; 0 means no limit.
    std::uint64_t count = 0;
    /// `members add ID HOST:PORT`, `members remove ID`: the member's id.
    std::uint64_t member_id = 0;
    /// `members add ID HOST:PORT`: the address the new node will serve on.
    std::string member_address;
    /// `members remove ID --force`: remove it even if quorum would be lost.
    bool force = false;
    /// `transfer-leader --to ID`; 0 lets the proxy pick the most caught-up voter.
    std::uint64_t transfer_to = 0;
    /// `chaos KIND TARGET`: the fault's kind (isolate, partition, delay,
    /// drop, duplicate, pause) and the nodes it lands on: ids ("1,2") or a
    /// role (all, leader, followers, minority, majority). `chaos heal
    /// [TARGET]`: empty heals every node.
    std::string chaos_kind;
    std::string chaos_target;
    /// `chaos partition --from IDS`, or the links a delay, drop or duplicate
    /// acts on (--peers IDS): "3,4,5"; empty means every other node.
    std::string chaos_peers;
    /// both, in or out; empty leaves the kind's default.
    std::string chaos_direction;
    /// How long the fault lasts (--for); 0 leaves the node's default.
    std::int64_t chaos_for_ms = 0;
    /// `chaos delay TARGET DELAY --jitter D`.
    std::int64_t chaos_delay_ms = 0;
    std::int64_t chaos_jitter_ms = 0;
    /// `chaos drop|duplicate TARGET RATE`: the chance per message, (0, 1].
    double chaos_rate = 0;
    /// `timing [--heartbeat D --election-timeout D] [--step-interval D]
    /// [--pre-vote on|off] [--check-quorum on|off]`, or `timing --reset`
    /// (each node's own timing again); 0 or nullopt means not given, and
    /// what is not given stays as it is in force.
    std::int64_t timing_heartbeat_ms = 0;
    std::int64_t timing_election_timeout_ms = 0;
    std::int64_t timing_step_interval_ms = 0;
    std::optional<bool> timing_pre_vote;
    std::optional<bool> timing_check_quorum;
    bool timing_reset = false;
    /// `record start FILE [--overwrite]`: a path on the proxy's machine.
    std::string record_file;
    bool record_overwrite = false;
    /// `lesson run NAME [--pace D] [--patience N]`: the lesson, the pause
    /// after each step's explanation, and a factor on every wait for the
    /// cluster (slow machines).
    std::string lesson_name;
    std::int64_t lesson_pace_ms = 0;
    int lesson_patience = 1;
};

/// ctl's exit statuses, documented in `raftescort ctl --help` and
/// man/raftescort-ctl.1. 0 is success.
/// The proxy was unreachable or the cluster could not do it (no leader, no
/// quorum, timeout, an answer that is not the proxy's).
inline constexpr int k_ctl_exit_failure = 1;
/// The settings were unusable (a --proxy URL or --tls-ca file).
inline constexpr int k_ctl_exit_usage = 2;
/// The proxy refused the request (any 4xx): bad input, unknown term or
/// node, a quorum-losing removal without --force, a missing or wrong admin
/// token (401).
inline constexpr int k_ctl_exit_refused = 3;

/// Runs the command `settings.action` names: sends its requests to the
/// proxy and writes the answer to `out` (a table, or with `json` one JSON
/// document; `watch` writes frames until --count or q). Blocks.
///
/// A failure is returned, never thrown, and its message is one line:
///   - invalid_argument: unusable settings; the message starts with the
///     option to change ("--proxy: ..." or "--tls-ca: ...");
///   - rejected: the proxy answered 4xx; the message is the proxy's;
///   - unavailable, io_error: the proxy was unreachable, answered 5xx, or
///     did not answer as the proxy does.
/// `watch` takes over the terminal only when `out` is std::cout and stdout
/// is a terminal.
util::Status run_ctl(const CtlSettings& settings, std::ostream& out);

/// The exit status of a run_ctl() failure: k_ctl_exit_usage for
/// invalid_argument, k_ctl_exit_refused for rejected, k_ctl_exit_failure
/// otherwise.
int ctl_exit_status(const util::Error& error);

} // namespace raftescort::ctl
