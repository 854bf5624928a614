#pragma once

// The `raftescort ctl` commands, one function each. run_ctl() picks one;
// each writes its answer to the context's stream (a table, or with --json
// one JSON document) and returns the failure that ends it, if any.
//
//   queries.cpp   status, elections, leaders, positions, logs, log, mission show
//   changes.cpp   move, mission start|pause|set, members, transfer-leader
//   watch.cpp     watch
//   trace.cpp     trace
//   chaos.cpp     chaos KIND TARGET, chaos heal, chaos status
//   record.cpp    record start FILE, record stop, record status
//   lesson.cpp    lesson list, lesson run NAME (the lessons are in lesson/)

#include "ctl/client.hpp"

#include <raftescort/ctl/ctl.hpp>
#include <raftescort/util/result.hpp>

#include <ostream>

namespace raftescort::ctl {

/// What every command works with.
struct CommandContext {
    const CtlSettings& settings;
    ProxyClient& client;
    std::ostream& out;
};

util::Status run_status(CommandContext& context);
util::Status run_elections(CommandContext& context);
util::Status run_leaders(CommandContext& context);
util::Status run_positions(CommandContext& context);
util::Status run_logs(CommandContext& context);
util::Status run_log(CommandContext& context);
util::Status run_mission_show(CommandContext& context);

util::Status run_move(CommandContext& context);
/// mission start, pause and set.
util::Status run_mission(CommandContext& context);
util::Status run_timing(CommandContext& context);
util::Status run_members_add(CommandContext& context);
util::Status run_members_remove(CommandContext& context);
util::Status run_transfer_leader(CommandContext& context);

util::Status run_watch(CommandContext& context);
util::Status run_trace(CommandContext& context);

/// chaos KIND TARGET, chaos heal [TARGET], chaos status.
util::Status run_chaos(CommandContext& context);

/// record start FILE, record stop, record status.
util::Status run_record(CommandContext& context);

util::Status run_lesson_list(CommandContext& context);
util::Status run_lesson_run(CommandContext& context);

} // namespace raftescort::ctl
