#pragma once

// Rebuilds the log from WAL records in the order they were written, then
// reconciles it with the latest snapshot. Pure: no files, so every rule here
// is testable with plain values.

#include "store/wal_record.hpp"

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <optional>
#include <vector>

namespace raftescort::store {

class LogReplay {
public:
    /// An entry at or below the last one replaces it and everything after it
    /// (the leader overwrote an uncommitted suffix). Fails on a gap.
    util::Status apply_entry(raft::Entry entry);
    /// The last hard state record wins.
    void apply_hard_state(const raft::HardState& hard_state);
    /// A leader snapshot replaced the whole log.
    void apply_log_reset(const LogReset& reset);

    /// Drops entries the snapshot covers (all of them if the log disagrees
    /// with the snapshot at its index: a snapshot install was interrupted),
    /// raises commit to the snapshot index, and checks that the entries
    /// continue the snapshot and that commit does not exceed the log.
    util::Status finish(const std::optional<raft::SnapshotMetadata>& snapshot);

    const std::vector<raft::Entry>& entries() const { return m_entries; }
    std::vector<raft::Entry>& entries() { return m_entries; }
    const raft::HardState& hard_state() const { return m_hard_state; }
    /// The last index the log holds (the snapshot's after finish()).
    raft::Index last_index() const;

private:
    std::vector<raft::Entry> m_entries;
    std::optional<LogReset> m_reset;
    raft::HardState m_hard_state;
    raft::Index m_base_index;
};

} // namespace raftescort::store
