#pragma once

// The proxy's GET /raft/log answers as text for `ctl log`. Pure: JSON in,
// text out; any field may be missing or of another type (it prints as "-").

#include "ctl/table.hpp"

#include <nlohmann/json.hpp>

#include <ostream>

namespace raftescort::ctl {

/// One node's window: a summary line ("node 2 (HOST:PORT) follower, term
/// 5; entries 1..23, commit 21, applied 21, snapshot 0"), then INDEX, TERM,
/// TYPE, COMMAND, STATE (applied, committed or uncommitted) per entry, then
/// the entries it lost, if any.
void print_log_window(std::ostream& out, const nlohmann::json& window);

/// Every node's window side by side, one row per index and one column per
/// node ("TERM KIND", with a * on entries that node has not committed),
/// then COMMIT and APPLIED rows, then what each node lost.
void print_log_windows(std::ostream& out, const nlohmann::json& windows);

} // namespace raftescort::ctl
