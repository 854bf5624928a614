#pragma once

// What a restarting core reads back from storage, and the entries that found
// a new cluster. Storage depends on this header alone, not on the whole node.

#include <raftescort/raft/types.hpp>

#include <optional>
#include <vector>

namespace raftescort::raft {

/// What a restarting node read back from its storage.
struct PersistedState {
    HardState hard_state;
    /// The latest snapshot, if one was taken or installed.
    std::optional<Snapshot> snapshot;
    /// Entries after the snapshot (or from index 1), contiguous.
    std::vector<Entry> entries;
    /// The bootstrap configuration of a brand-new cluster. When storage is
    /// empty and this has voters, the core writes it into the log as
    /// committed conf_change entries at term 1 (see bootstrap_entries), which
    /// the runtime persists and applies like any other. Empty for a node
    /// that waits to be added by a leader; ignored once storage holds state.
    ConfState initial_conf;
    /// Highest index already reflected in the application's state (at least
    /// the snapshot's index). Entries after it are handed out again to apply.
    Index applied;
};

/// The log entries that bootstrap a cluster with `conf`: one conf_change per
/// member at term 1, indexes 1..n. Every founding member writes the same ones.
std::vector<Entry> bootstrap_entries(const ConfState& conf);

} // namespace raftescort::raft
