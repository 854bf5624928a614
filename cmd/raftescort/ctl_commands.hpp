#pragma once

// The `raftescort ctl` commands, one function each. run_ctl() picks one;
// each prints its answer on stdout (a table, or with --json one JSON
// document) and ends with ExitError on failure.
//
//   ctl_queries.cpp   status, elections, leaders, positions, logs, mission show
//   ctl_changes.cpp   move, mission start|pause|set, members, transfer-leader
//   ctl_watch.cpp     watch

#include "ctl_client.hpp"
#include "ctl_command.hpp"
#include "ctl_table.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace raftescort::cmd {

/// What every command works with.
struct CtlContext {
    const CtlOptions& options;
    CtlClient& client;
};

/// The roles table of `status` and `watch`: ID, ADDRESS, ROLE, TERM,
/// COMMIT, APPLIED, LAG, POSITION, LAST CONTACT, from GET /nodes data.
CtlTable nodes_table(const nlohmann::json& nodes);
/// ID, NODE, (ROLE,) POSITION from GET /nodes/position or a move's positions.
CtlTable positions_table(const nlohmann::json& positions);
/// "leader 2 (127.0.0.1:5002), term 7; 3 of 3 nodes reachable; redis
/// connected" from GET /status data.
std::string cluster_summary(const nlohmann::json& status);

void run_ctl_status(CtlContext& context);
void run_ctl_elections(CtlContext& context);
void run_ctl_leaders(CtlContext& context);
void run_ctl_positions(CtlContext& context);
void run_ctl_logs(CtlContext& context);
void run_ctl_mission_show(CtlContext& context);

void run_ctl_move(CtlContext& context);
/// mission start, pause and set.
void run_ctl_mission(CtlContext& context);
void run_ctl_members_add(CtlContext& context);
void run_ctl_members_remove(CtlContext& context);
void run_ctl_transfer_leader(CtlContext& context);

void run_ctl_watch(CtlContext& context);

} // namespace raftescort::cmd
