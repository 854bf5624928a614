#pragma once

// SimStorage: one node's simulated disk. Writes first land in a list of
// unsynced writes (the page cache); sync() makes them durable (fsync). A
// crash loses the unsynced writes, or, for a torn write, keeps a random
// prefix of them, the way a write-ahead log tail survives a power cut.

#include <raftescort/raft/raft_node.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/rng.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace raftescort::sim {

/// What survives a crash.
struct DurableState {
    raft::HardState hard_state;
    std::optional<raft::Snapshot> snapshot;
    /// Entries after the snapshot's index (or from index 1), contiguous.
    std::vector<raft::Entry> entries;
    raft::ConfState initial_conf;

    raft::Index snapshot_index() const;
    raft::Index last_index() const;
    /// The stored entry at `index`, or nullptr.
    const raft::Entry* entry_at(raft::Index index) const;
};

class SimStorage {
public:
    explicit SimStorage(raft::ConfState initial_conf);

    /// Queues a snapshot (installed from the leader or taken by compaction).
    /// Stored entries after it survive only if the entry at its index has its
    /// term (Raft §7); entries up to it are dropped.
    void write_snapshot(const raft::Snapshot& snapshot);
    /// Queues entries; an entry at an index already stored replaces it and
    /// everything after it.
    void write_entries(const std::vector<raft::Entry>& entries);
    void write_hard_state(const raft::HardState& hard_state);

    /// fsync: every queued write becomes durable, in order.
    void sync();
    /// fsync of the snapshot and hard-state writes only; entry writes stay
    /// queued. Used only by mutant (d), ack_before_persist.
    void sync_except_entries();

    /// Power cut. Without `torn_rng` every unsynced write is lost; with it a
    /// random prefix (possibly empty, possibly all) of them survives.
    void crash(util::Rng* torn_rng);

    /// What a restarting runtime reads back. A stored snapshot is committed
    /// by definition, so the commit index is raised to it if a torn write
    /// kept the snapshot but lost the hard state written after it.
    raft::PersistedState load(bool forget_voted_for) const;

    const DurableState& durable() const { return m_durable; }
    std::size_t unsynced_write_count() const { return m_unsynced.size(); }

private:
    struct Write {
        enum class Kind : std::uint8_t { snapshot, entry, hard_state };
        Kind kind = Kind::entry;
        raft::Snapshot snapshot;
        raft::Entry entry;
        raft::HardState hard_state;
    };

    static void apply_write(DurableState& state, const Write& write);
    static void apply_snapshot(DurableState& state, const raft::Snapshot& snapshot);
    static void apply_entry(DurableState& state, const raft::Entry& entry);

    DurableState m_durable;
    std::vector<Write> m_unsynced;
};

} // namespace raftescort::sim
