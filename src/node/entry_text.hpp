#pragma once

// Applied entries in words, for /logs, the event stream and the node's log.

#include <raftescort/raft/types.hpp>

#include <optional>
#include <string>

namespace raftescort::node {

/// "step 3 0", "move 1 0 c=x s=1", "take_lead 2", "add_learner 4 127.0.0.14:7004", ...
std::string describe_entry(const raft::Entry& entry);
/// The leader id a leader_noop entry carries; nullopt if malformed.
std::optional<raft::NodeId> parse_leader_noop(const raft::Entry& entry);
/// The wire name of an entry type: normal, leader_noop, conf_change.
const char* entry_type_name(raft::EntryType type);

} // namespace raftescort::node
