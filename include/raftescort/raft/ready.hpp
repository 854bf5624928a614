#pragma once

// Ready: everything one step of the core asks the runtime to do, in one batch.

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace raftescort::raft {

/// Role and leader as last seen; informational, need not be persisted.
struct SoftState {
    Role role = Role::follower;
    NodeId leader;

    bool operator==(const SoftState&) const = default;
};

/// A linearizable read may be served once `index` is applied (Raft §8 ReadIndex).
struct ReadState {
    std::uint64_t request_id = 0;
    Index index;
};

/// The batch contract. The runtime must handle the fields in this order:
///
/// 0. `early_messages` may be sent at once, before or while step 1 runs
///    (Raft dissertation §10.2.1: the leader writes its log in parallel with
///    replicating it). They are a leader's appends and heartbeats, made only
///    when the Ready changes neither term nor vote, so they promise nothing
///    step 1 has yet to make durable: the leader counts its own entries
///    towards commit only in advance(), after they are on disk. Sending them
///    after step 1 instead is always correct, only slower.
/// 1. Persist `snapshot` (if any), then `entries` (an entry at an index that
///    is already stored replaces it and everything after it), then
///    `hard_state` (if any), and make all of it durable (fsync).
/// 2. Only then send `messages`: votes and append acknowledgements in it
///    promise that step 1 is durable (Raft §5.1, dissertation §3.8).
/// 3. Install `snapshot` into the application, then apply
///    `committed_entries` in order.
/// 4. Hand the same Ready back to RaftNode::advance().
///
/// Nothing in a Ready is ever taken back by a later Ready except uncommitted
/// entries, which a later `entries` may overwrite.
struct Ready {
    std::optional<SoftState> soft_state;
    std::optional<HardState> hard_state;
    std::optional<Snapshot> snapshot;
    std::vector<Entry> entries;
    std::vector<Message> early_messages;
    std::vector<Message> messages;
    std::vector<Entry> committed_entries;
    std::vector<ReadState> read_states;

    bool empty() const
    {
        return !soft_state && !hard_state && !snapshot && entries.empty()
               && early_messages.empty() && messages.empty() && committed_entries.empty()
               && read_states.empty();
    }
};

} // namespace raftescort::raft
