#include "ctl_command.hpp"

#include "exit_error.hpp"
#include "validators.hpp"

#include <raftescort/util/assert.hpp>

#include <memory>

namespace raftescort::cmd {

namespace {

using Options = std::shared_ptr<CtlOptions>;

// Adds a ctl subcommand whose callback records `action`; ctl's own callback
// runs after it and does the work.
CLI::App* add_action(CLI::App& parent, const Options& options, const std::string& name,
                     const std::string& description, CtlAction action)
{
    CLI::App* command = parent.add_subcommand(name, description);
    command->callback([options, action] { options->action = action; });
    return command;
}

void add_point(CLI::App& command, const Options& options, const std::string& what)
{
    command.add_option("X", options->x, what + " along x")->required()->type_name("INT");
    command.add_option("Y", options->y, what + " along y")->required()->type_name("INT");
}

void setup_mission_command(CLI::App& ctl, const Options& options)
{
    CLI::App* mission = ctl.add_subcommand("mission", "Control the convoy's mission");
    mission->require_subcommand(1);
    add_action(*mission, options, "start", "Start or resume the mission", CtlAction::mission_start);
    add_action(*mission, options, "pause", "Pause the mission", CtlAction::mission_pause);
    CLI::App* set = add_action(*mission, options, "set", "Set the mission's target point",
                               CtlAction::mission_set);
    add_point(*set, options, "Target");
}

} // namespace

void setup_ctl_command(CLI::App& app)
{
    auto options = std::make_shared<CtlOptions>();
    CLI::App* ctl = app.add_subcommand("ctl", "Query and steer the cluster through the proxy");
    ctl->require_subcommand(1);
    // Lets ctl's own options follow its subcommand: `ctl status --json`.
    // Subcommands added below inherit this setting.
    ctl->fallthrough();

    ctl->add_option("--proxy", options->proxy_url, "Proxy URL")
        ->check(url_validator("http", "https"))
        ->envname("RAFTESCORT_PROXY")
        ->type_name("URL")
        ->default_str(options->proxy_url);
    ctl->add_flag("--json", options->json, "Print one JSON document instead of tables");

    CLI::App* move =
        add_action(*ctl, options, "move", "Move the whole formation by (X, Y)", CtlAction::move);
    add_point(*move, options, "Shift");
    add_action(*ctl, options, "status", "Show the proxy and the cluster at a glance",
               CtlAction::status);
    CLI::App* elections = add_action(*ctl, options, "elections",
                                     "Show every election, or one term's", CtlAction::elections);
    elections->add_option("--term", options->term, "Only this term")
        ->check(positive_integer_validator("term"))
        ->type_name("N");
    add_action(*ctl, options, "leaders", "Show the leader of every term", CtlAction::leaders);
    add_action(*ctl, options, "positions", "Show every node's position", CtlAction::positions);
    CLI::App* logs =
        add_action(*ctl, options, "logs", "Show the replicated log of every node", CtlAction::logs);
    logs->add_option("--node", options->node, "Only this node (its id or HOST:PORT)")
        ->type_name("ID");
    add_action(*ctl, options, "watch", "Follow the cluster's events as they happen",
               CtlAction::watch);
    setup_mission_command(*ctl, options);

    ctl->callback([options] { run_ctl(*options); });
}

void run_ctl(const CtlOptions& options)
{
    // require_subcommand(1) on ctl and on mission guarantees a leaf ran.
    RE_ASSERT(options.action != CtlAction::none);
    throw_role_unavailable("ctl", "issue #5");
}

} // namespace raftescort::cmd
