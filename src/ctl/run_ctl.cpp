// run_ctl(): opens the client and dispatches to the command (commands.hpp).

#include "ctl/client.hpp"
#include "ctl/commands.hpp"

#include <raftescort/ctl/ctl.hpp>
#include <raftescort/util/assert.hpp>

namespace raftescort::ctl {

util::Status run_ctl(const CtlSettings& settings, std::ostream& out)
{
    // The command line requires a leaf subcommand, which sets both.
    RE_ASSERT(settings.action != CtlAction::none);
    RE_ASSERT(!settings.command.empty());
    RE_TRY(client, ProxyClient::open(client_options(settings)));
    CommandContext context{settings, *client, out};
    switch (settings.action) {
    case CtlAction::none: break;
    case CtlAction::move: return run_move(context);
    case CtlAction::status: return run_status(context);
    case CtlAction::elections: return run_elections(context);
    case CtlAction::leaders: return run_leaders(context);
    case CtlAction::positions: return run_positions(context);
    case CtlAction::logs: return run_logs(context);
    case CtlAction::log: return run_log(context);
    case CtlAction::trace: return run_trace(context);
    case CtlAction::watch: return run_watch(context);
    case CtlAction::mission_show: return run_mission_show(context);
    case CtlAction::mission_start:
    case CtlAction::mission_pause:
    case CtlAction::mission_set: return run_mission(context);
    case CtlAction::timing: return run_timing(context);
    case CtlAction::members_add: return run_members_add(context);
    case CtlAction::members_remove: return run_members_remove(context);
    case CtlAction::transfer_leader: return run_transfer_leader(context);
    case CtlAction::chaos_fault:
    case CtlAction::chaos_heal:
    case CtlAction::chaos_status: return run_chaos(context);
    case CtlAction::record_start:
    case CtlAction::record_stop:
    case CtlAction::record_status: return run_record(context);
    case CtlAction::lesson_list: return run_lesson_list(context);
    case CtlAction::lesson_run: return run_lesson_run(context);
    }
    RE_ASSERT(false);
    return util::Ok{};
}

int ctl_exit_status(const util::Error& error)
{
    switch (error.code) {
    case util::ErrorCode::invalid_argument: return k_ctl_exit_usage;
    case util::ErrorCode::rejected: return k_ctl_exit_refused;
    default: return k_ctl_exit_failure;
    }
}

} // namespace raftescort::ctl
