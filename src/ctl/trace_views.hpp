#pragma once

// The proxy's "trace" events (one node's Raft messages) as lines for
// `ctl trace`. Pure: JSON in, text out; any field may be missing.

#include <nlohmann/json.hpp>

#include <string>

namespace raftescort::ctl {

/// "21:40:01.250  n5 -> n3  vote_response      term 3  refused: already_voted",
/// one line per message; counted messages show "x20".
std::string trace_line(const nlohmann::json& message);

} // namespace raftescort::ctl
