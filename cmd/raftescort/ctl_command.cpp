#include "ctl_command.hpp"

#include "exit_error.hpp"
#include "secret_options.hpp"
#include "validators.hpp"

#include <raftescort/util/assert.hpp>

#include <cstdlib>
#include <optional>
#include <iostream>
#include <memory>

#ifndef RAFTESCORT_VERSION
#define RAFTESCORT_VERSION "0.1.0"
#endif

namespace raftescort::cmd {

using ctl::CtlAction;

// main() maps the library's failures through these; they must agree.
static_assert(ctl::k_ctl_exit_failure == k_exit_failure);
static_assert(ctl::k_ctl_exit_usage == k_exit_usage);

namespace {

using Options = std::shared_ptr<CtlOptions>;

// ctl's exit statuses differ from the other roles' (3: the proxy refused), so
// ctl and every command under it carry their own footer.
constexpr const char* k_ctl_footer =
    "Exit status: 0 success; 1 the proxy is unreachable or the cluster could not do it (no "
    "leader, no quorum, timeout); 2 usage error; 3 the proxy refused the request (bad input, "
    "unknown term or node, a removal that would lose quorum without --force, a missing or "
    "wrong admin token).";

// Adds a ctl subcommand whose callback records `action` and the command's
// words (`path`, e.g. "mission set"); ctl's own callback runs after it and
// does the work.
CLI::App* add_action(CLI::App& parent, const Options& options, const std::string& name,
                     const std::string& path, const std::string& description, CtlAction action)
{
    CLI::App* command = parent.add_subcommand(name, description);
    command->callback([options, action, path] {
        options->settings.action = action;
        options->settings.command = path;
    });
    return command;
}

void add_point(CLI::App& command, const Options& options, const std::string& what)
{
    command.add_option("X", options->settings.x, what + " along x")->required()->type_name("INT");
    command.add_option("Y", options->settings.y, what + " along y")->required()->type_name("INT");
}

void setup_mission_command(CLI::App& ctl, const Options& options)
{
    CLI::App* mission = ctl.add_subcommand("mission", "Show or control the convoy's mission");
    mission->require_subcommand(1);
    add_action(*mission, options, "show", "mission show",
               "Show the mission's target, state and steps taken", CtlAction::mission_show);
    add_action(*mission, options, "start", "mission start", "Start or resume the mission",
               CtlAction::mission_start);
    add_action(*mission, options, "pause", "mission pause", "Pause the mission",
               CtlAction::mission_pause);
    CLI::App* set = add_action(*mission, options, "set", "mission set",
                               "Set the mission's target point", CtlAction::mission_set);
    add_point(*set, options, "Target");
}

// Reads an on|off switch into `value` once CLI11 has checked the spelling.
CLI::Option* add_switch_option(CLI::App& command, const std::string& name,
                               std::optional<bool>& value, const std::string& description)
{
    return command
        .add_option_function<std::string>(
            name, [&value](const std::string& text) { value = text == "on"; }, description)
        ->check(CLI::IsMember({"on", "off"}).description(""))
        ->type_name("on|off");
}

void setup_timing_command(CLI::App& ctl, const Options& options)
{
    CLI::App* timing = add_action(
        ctl, options, "timing", "timing",
        "Change the whole cluster's timing (slow motion) and Raft's pre-vote and check-quorum, "
        "as a command in the replicated log: every member switches at the same index. What is "
        "not given stays as it is in force",
        CtlAction::timing);
    CLI::Option* heartbeat = timing
                                 ->add_option("--heartbeat", options->settings.timing_heartbeat_ms,
                                              "How often the leader sends heartbeats, e.g. 1s")
                                 ->transform(duration_ms_validator(false))
                                 ->type_name("DUR");
    CLI::Option* election =
        timing
            ->add_option("--election-timeout", options->settings.timing_election_timeout_ms,
                         "How long a follower waits for a leader (at least 3x the heartbeat)")
            ->transform(duration_ms_validator(false))
            ->type_name("DUR");
    CLI::Option* step =
        timing
            ->add_option("--step-interval", options->settings.timing_step_interval_ms,
                         "How often the leader steps the convoy")
            ->transform(duration_ms_validator(false))
            ->type_name("DUR");
    CLI::Option* pre_vote = add_switch_option(
        *timing, "--pre-vote", options->settings.timing_pre_vote,
        "Raft's pre-vote: a node asks whether it could win before it raises its term");
    CLI::Option* check_quorum = add_switch_option(
        *timing, "--check-quorum", options->settings.timing_check_quorum,
        "Raft's check-quorum: a leader that hears no majority steps down, and followers ignore "
        "candidates while they hear their leader");
    CLI::Option* reset = timing->add_flag(
        "--reset", options->settings.timing_reset,
        "Back to the timing, pre-vote and check-quorum each node was started with");
    heartbeat->needs(election);
    election->needs(heartbeat);
    step->needs(heartbeat);
    reset->excludes(heartbeat)->excludes(election)->excludes(step);
    reset->excludes(pre_vote)->excludes(check_quorum);
    timing->callback([options] {
        options->settings.action = CtlAction::timing;
        options->settings.command = "timing";
        const ctl::CtlSettings& settings = options->settings;
        if (!settings.timing_reset && settings.timing_heartbeat_ms == 0
            && !settings.timing_pre_vote && !settings.timing_check_quorum) {
            throw CLI::ValidationError("timing",
                                       "give --heartbeat and --election-timeout, --pre-vote, "
                                       "--check-quorum, or --reset");
        }
    });
}

void setup_members_command(CLI::App& ctl, const Options& options)
{
    CLI::App* members = ctl.add_subcommand("members", "Change the cluster's membership");
    members->require_subcommand(1);
    CLI::App* add = add_action(*members, options, "add", "members add",
                               "Add node ID at HOST:PORT as a learner; then start it with that "
                               "--id and --advertise",
                               CtlAction::members_add);
    add->add_option("ID", options->settings.member_id, "The new node's id")
        ->required()
        ->check(positive_integer_validator("node id"))
        ->type_name("ID");
    add->add_option("HOST:PORT", options->settings.member_address,
                    "The address the new node serves on")
        ->required()
        ->check(host_port_validator())
        ->type_name("HOST:PORT");
    CLI::App* remove = add_action(*members, options, "remove", "members remove",
                                  "Remove node ID from the cluster", CtlAction::members_remove);
    remove->add_option("ID", options->settings.member_id, "The node's id")
        ->required()
        ->check(positive_integer_validator("node id"))
        ->type_name("ID");
    remove->add_flag("--force", options->settings.force,
                     "Remove it even if the voters left reachable would not be a majority");
}

void setup_query_commands(CLI::App& ctl, const Options& options)
{
    add_action(ctl, options, "status", "status", "Show the proxy and the cluster at a glance",
               CtlAction::status);
    CLI::App* elections = add_action(ctl, options, "elections", "elections",
                                     "Show every election, or one term's", CtlAction::elections);
    elections->add_option("--term", options->settings.term, "Only this term")
        ->check(positive_integer_validator("term"))
        ->type_name("N");
    CLI::App* leaders =
        add_action(ctl, options, "leaders", "leaders",
                   "Show the leader of every term, or one term's", CtlAction::leaders);
    leaders->add_option("--term", options->settings.term, "Only this term")
        ->check(positive_integer_validator("term"))
        ->type_name("N");
    add_action(ctl, options, "positions", "positions", "Show every node's position",
               CtlAction::positions);
    CLI::App* logs = add_action(ctl, options, "logs", "logs",
                                "Show the replicated log of every node", CtlAction::logs);
    logs->add_option("--node", options->settings.node, "Only this node (its id or HOST:PORT)")
        ->type_name("ID|HOST:PORT");
    CLI::App* log = add_action(
        ctl, options, "log", "log",
        "Show each node's Raft log side by side, uncommitted entries and lost ones included",
        CtlAction::log);
    log->add_option("--node", options->settings.node, "Only this node, with each entry's state")
        ->check(positive_integer_validator("node id"))
        ->type_name("ID");
    log->add_option("--from", options->settings.log_from,
                    "Start at this index (default: the last entries)")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    log->add_option("--limit", options->settings.log_limit, "Entries per node (default 40)")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000}))
        ->type_name("N");
    CLI::App* trace = add_action(
        ctl, options, "trace", "trace",
        "Show the Raft messages the nodes send, live: votes with the reason of a refusal, "
        "appends and their answers, heartbeats counted per second",
        CtlAction::trace);
    trace->add_option("--node", options->settings.node, "Only messages from or to this node")
        ->check(positive_integer_validator("node id"))
        ->type_name("ID");
    trace->add_option("--count", options->settings.count, "Stop after N messages")
        ->check(positive_integer_validator("message count"))
        ->type_name("N");
    CLI::App* watch = add_action(
        ctl, options, "watch", "watch",
        "Show the convoy and the roles live, redrawn every 250ms (q quits)", CtlAction::watch);
    watch->add_option("--count", options->settings.count, "Stop after N frames (default: no limit)")
        ->check(positive_integer_validator("frame count"))
        ->type_name("N");
}

/// A chance per message: "30%" or "0.3", strictly above 0 and at most 1;
/// passed on as the fraction.
CLI::Validator rate_validator()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const bool percent = !text.empty() && text.back() == '%';
            const std::string number = percent ? text.substr(0, text.size() - 1) : text;
            char* end = nullptr;
            const double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
            const double rate = percent ? value / 100 : value;
            if (number.empty() || end != number.c_str() + number.size() || !(rate > 0)
                || rate > 1) {
                return "'" + text
                       + "' is not a rate: give a percentage (30%) or a fraction "
                         "(0.3), above 0 and at most 100%";
            }
            text = std::to_string(rate);
            return "";
        },
        "", "RATE");
}

/// TARGET, and --for, which every fault takes.
void add_fault_target(CLI::App& fault, const Options& options)
{
    fault
        .add_option("TARGET", options->settings.chaos_target,
                    "Node ids (1,2) or a role: all, leader, followers, minority (the leader's "
                    "side of a split), majority; a role is resolved when the proxy acts")
        ->required()
        ->type_name("TARGET");
    fault
        .add_option("--for", options->settings.chaos_for_ms,
                    "How long until the fault heals itself (default 60s, at most 1h)")
        ->transform(duration_ms_validator(false))
        ->type_name("DUR");
}

/// --peers (or --from for a partition) and --direction.
void add_fault_links(CLI::App& fault, const Options& options, const std::string& peers_flag,
                     const std::string& peers_text, const std::string& direction_text)
{
    fault.add_option(peers_flag, options->settings.chaos_peers, peers_text)->type_name("IDS");
    fault.add_option("--direction", options->settings.chaos_direction, direction_text)
        ->check(CLI::IsMember({"both", "in", "out"}))
        ->type_name("both|in|out");
}

CLI::App* add_fault(CLI::App& chaos, const Options& options, const std::string& kind,
                    const std::string& description)
{
    CLI::App* fault =
        add_action(chaos, options, kind, "chaos " + kind, description, CtlAction::chaos_fault);
    fault->callback([options, kind] {
        options->settings.action = CtlAction::chaos_fault;
        options->settings.command = "chaos " + kind;
        options->settings.chaos_kind = kind;
    });
    add_fault_target(*fault, options);
    return fault;
}

void add_rate_fault(CLI::App& chaos, const Options& options, const std::string& kind,
                    const std::string& description)
{
    CLI::App* fault = add_fault(chaos, options, kind, description);
    fault->add_option("RATE", options->settings.chaos_rate, "The chance per message: 30% or 0.3")
        ->required()
        ->transform(rate_validator())
        ->type_name("RATE");
    add_fault_links(*fault, options, "--peers", "Only the links to these nodes (default: all)",
                    "Messages sent (out, the default), received (in) or both");
}

void setup_fault_commands(CLI::App& chaos, const Options& options)
{
    add_fault(chaos, options, "isolate", "Drop every Raft message to and from TARGET");
    CLI::App* partition = add_fault(chaos, options, "partition",
                                    "Cut TARGET off from other nodes (both ways by default)");
    add_fault_links(*partition, options, "--from",
                    "The nodes to cut TARGET off from (default: every other node)",
                    "Cut messages both ways (default), only in, or only out");
    CLI::App* delay = add_fault(chaos, options, "delay", "Hold each Raft message TARGET sends");
    delay->add_option("DELAY", options->settings.chaos_delay_ms, "The added latency, e.g. 80ms")
        ->required()
        ->transform(duration_ms_validator(false))
        ->type_name("DUR");
    delay
        ->add_option("--jitter", options->settings.chaos_jitter_ms,
                     "Up to this much more, drawn per message")
        ->transform(duration_ms_validator(true))
        ->type_name("DUR");
    add_fault_links(*delay, options, "--peers", "Only the links to these nodes (default: all)",
                    "Messages sent (out, the default), received (in) or both");
    add_rate_fault(chaos, options, "drop", "Lose each Raft message TARGET sends with chance RATE");
    add_rate_fault(chaos, options, "duplicate",
                   "Send each Raft message of TARGET twice with chance RATE");
    add_fault(chaos, options, "pause",
              "Freeze TARGET as SIGSTOP would: no ticks, messages or requests");
    add_fault(chaos, options, "crash",
              "Crash TARGET in place: it drops its volatile state and closes its data dir "
              "until it recovers (after --for, or on `chaos recover`)");
    CLI::App* recover = add_action(chaos, options, "recover", "chaos recover",
                                   "End a crash: TARGET reopens its data dir and rebuilds from "
                                   "its WAL and snapshot, as a restarted process would",
                                   CtlAction::chaos_fault);
    recover->callback([options] {
        options->settings.action = CtlAction::chaos_fault;
        options->settings.command = "chaos recover";
        options->settings.chaos_kind = "recover";
    });
    recover->add_option("TARGET", options->settings.chaos_target, "Node ids (1,2) or a role")
        ->required()
        ->type_name("TARGET");
    CLI::App* stall =
        add_fault(chaos, options, "disk-stall", "Make each fsync on TARGET take DELAY longer");
    stall->add_option("DELAY", options->settings.chaos_delay_ms, "The added time, e.g. 200ms")
        ->required()
        ->transform(duration_ms_validator(false))
        ->type_name("DUR");
}

void setup_chaos_command(CLI::App& ctl, const Options& options)
{
    CLI::App* chaos = ctl.add_subcommand(
        "chaos", "Put built-in faults on nodes, heal them, or show what is in force");
    chaos->require_subcommand(1);
    setup_fault_commands(*chaos, options);
    CLI::App* heal =
        add_action(*chaos, options, "heal", "chaos heal",
                   "Clear every fault on TARGET (default: every node)", CtlAction::chaos_heal);
    heal->add_option("TARGET", options->settings.chaos_target, "Node ids (1,2) or a role")
        ->type_name("TARGET");
    add_action(*chaos, options, "status", "chaos status", "Show the faults in force on each node",
               CtlAction::chaos_status);
}

void setup_record_command(CLI::App& ctl, const Options& options)
{
    CLI::App* record = ctl.add_subcommand(
        "record", "Record the proxy's event stream to a file on the proxy's machine");
    record->require_subcommand(1);
    CLI::App* start = add_action(*record, options, "start", "record start",
                                 "Start recording to FILE (JSON Lines; see RECORDING in "
                                 "raftescort-proxy(1)); needs the admin token",
                                 CtlAction::record_start);
    start
        ->add_option("FILE", options->settings.record_file,
                     "A path on the proxy's machine: its directory must exist, no \"..\"")
        ->required()
        ->type_name("FILE");
    start->add_flag("--overwrite", options->settings.record_overwrite,
                    "Replace FILE if it exists (refused otherwise)");
    add_action(*record, options, "stop", "record stop",
               "Stop the recording; it ends with a last snapshot. Needs the admin token",
               CtlAction::record_stop);
    add_action(*record, options, "status", "record status",
               "Show the recording: file, size, lines, events dropped, why it stopped",
               CtlAction::record_status);
}

void setup_lesson_command(CLI::App& ctl, const Options& options)
{
    CLI::App* lesson = ctl.add_subcommand(
        "lesson", "Guided lessons: a scenario on the live cluster, explained step by step and "
                  "checked (see LESSONS in raftescort-ctl(1))");
    lesson->require_subcommand(1);
    add_action(*lesson, options, "list", "lesson list", "List the lessons",
               CtlAction::lesson_list);
    CLI::App* run = add_action(
        *lesson, options, "run", "lesson run",
        "Run lesson NAME: faults, moves and membership changes through the proxy (needs the "
        "admin token), each step explained here and on the dashboard's banner; exit 0 if Raft "
        "did what the lesson says, 1 with what differed. The cluster is put back at the end",
        CtlAction::lesson_run);
    run->add_option("NAME", options->settings.lesson_name, "The lesson (see 'ctl lesson list')")
        ->required()
        ->type_name("NAME");
    options->settings.lesson_pace_ms = 3000;
    run->add_option("--pace", options->settings.lesson_pace_ms,
                    "Pause after explaining each step, before the cluster changes (0: none)")
        ->transform(duration_ms_validator(true))
        ->type_name("DUR")
        ->default_str("3s");
    run->add_option("--patience", options->settings.lesson_patience,
                    "Multiply every wait for the cluster by N (slow machines)")
        ->check(CLI::Range(1, 20))
        ->type_name("N")
        ->default_str("1");
}

} // namespace

void setup_ctl_command(CLI::App& app)
{
    auto options = std::make_shared<CtlOptions>();
    CLI::App* ctl = app.add_subcommand("ctl", "Query and steer the cluster through the proxy");
    ctl->require_subcommand(1);
    // Lets ctl's own options follow its subcommand: `ctl status --json`.
    // Subcommands added below inherit this setting, and the footer.
    ctl->fallthrough();
    ctl->footer(k_ctl_footer);

    ctl->add_option("--proxy", options->settings.proxy_url, "Proxy URL")
        ->check(url_validator("http", "https"))
        ->envname("RAFTESCORT_PROXY")
        ->type_name("URL")
        ->default_str(options->settings.proxy_url);
    ctl->add_option("--admin-token-file", options->admin_token_file,
                    "File whose first line is the admin token, sent as 'Authorization: Bearer' "
                    "(else RAFTESCORT_ADMIN_TOKEN, RAFTESCORT_ADMIN_TOKEN_FILE, then "
                    "${XDG_CONFIG_HOME:-~/.config}/raftescort/admin-token); never a token on "
                    "the command line")
        ->type_name("FILE");
    ctl->add_option("--tls-ca", options->settings.tls_ca_file,
                    "With an https --proxy: the cluster's CA, which signed the proxy's "
                    "certificate (default: the system's CAs)")
        ->envname("RAFTESCORT_TLS_CA")
        ->type_name("FILE");
    ctl->add_flag("--json", options->settings.json,
                  "Print one JSON document (the answer's data) instead of tables");

    CLI::App* move =
        add_action(*ctl, options, "move", "move",
                   "Move the whole formation by (X, Y) and wait for the commit", CtlAction::move);
    add_point(*move, options, "Shift");
    setup_query_commands(*ctl, options);
    setup_mission_command(*ctl, options);
    setup_members_command(*ctl, options);
    setup_timing_command(*ctl, options);
    setup_chaos_command(*ctl, options);
    setup_record_command(*ctl, options);
    setup_lesson_command(*ctl, options);
    CLI::App* transfer = add_action(*ctl, options, "transfer-leader", "transfer-leader",
                                    "Hand leadership to node ID, or to the most caught-up voter",
                                    CtlAction::transfer_leader);
    transfer->add_option("--to", options->settings.transfer_to, "The node to hand leadership to")
        ->check(positive_integer_validator("node id"))
        ->type_name("ID");

    ctl->callback([options] { run_ctl(*options); });
}

void run_ctl(const CtlOptions& options)
{
    ctl::CtlSettings settings = options.settings;
    // The token is resolved before any request, so an unreadable token
    // file is a usage error even when the proxy is down.
    settings.admin_token = resolve_ctl_admin_token(options.admin_token_file);
    settings.version = RAFTESCORT_VERSION;
    const util::Status status = ctl::run_ctl(settings, std::cout);
    if (status.ok()) {
        return;
    }
    // A --proxy or --tls-ca that cannot be used is a usage error like any
    // other bad option; its message starts with the option's name.
    if (status.error().code == util::ErrorCode::invalid_argument) {
        throw CLI::ValidationError(status.error().message);
    }
    throw ExitError(ctl::ctl_exit_status(status.error()), "ctl " + settings.command,
                    status.error().message);
}

} // namespace raftescort::cmd
