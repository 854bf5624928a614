#include "ctl_command.hpp"

#include "exit_error.hpp"
#include "secret_options.hpp"
#include "validators.hpp"

#include <raftescort/util/assert.hpp>

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
    CLI::App* watch = add_action(
        ctl, options, "watch", "watch",
        "Show the convoy and the roles live, redrawn every 250ms (q quits)", CtlAction::watch);
    watch->add_option("--count", options->settings.count, "Stop after N frames (default: no limit)")
        ->check(positive_integer_validator("frame count"))
        ->type_name("N");
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
