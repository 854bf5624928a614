#include "sim/sim_storage.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::sim {

raft::Index DurableState::snapshot_index() const
{
    return snapshot ? snapshot->metadata.index : raft::Index{0};
}

raft::Index DurableState::last_index() const
{
    if (entries.empty()) {
        return snapshot_index();
    }
    return entries.back().index;
}

const raft::Entry* DurableState::entry_at(raft::Index index) const
{
    const raft::Index base = snapshot_index();
    if (index <= base || index > last_index()) {
        return nullptr;
    }
    const raft::Entry& entry = entries[index.value - base.value - 1];
    RE_ASSERT(entry.index == index);
    return &entry;
}

SimStorage::SimStorage(raft::ConfState initial_conf)
{
    m_durable.initial_conf = std::move(initial_conf);
}

void SimStorage::write_snapshot(const raft::Snapshot& snapshot)
{
    Write write;
    write.kind = Write::Kind::snapshot;
    write.snapshot = snapshot;
    m_unsynced.push_back(std::move(write));
}

void SimStorage::write_entries(const std::vector<raft::Entry>& entries)
{
    // One write per entry, so a torn crash can cut a batch between entries
    // the way a WAL keeps whole records up to the first torn one.
    for (const raft::Entry& entry : entries) {
        Write write;
        write.kind = Write::Kind::entry;
        write.entry = entry;
        m_unsynced.push_back(std::move(write));
    }
}

void SimStorage::write_hard_state(const raft::HardState& hard_state)
{
    Write write;
    write.kind = Write::Kind::hard_state;
    write.hard_state = hard_state;
    m_unsynced.push_back(std::move(write));
}

void SimStorage::sync()
{
    for (const Write& write : m_unsynced) {
        apply_write(m_durable, write);
    }
    m_unsynced.clear();
}

void SimStorage::sync_except_entries()
{
    std::vector<Write> kept;
    for (Write& write : m_unsynced) {
        if (write.kind == Write::Kind::entry) {
            kept.push_back(std::move(write));
        } else {
            apply_write(m_durable, write);
        }
    }
    m_unsynced = std::move(kept);
}

void SimStorage::crash(util::Rng* torn_rng)
{
    std::size_t kept = 0;
    if (torn_rng != nullptr && !m_unsynced.empty()) {
        kept = static_cast<std::size_t>(torn_rng->between(0, m_unsynced.size()));
    }
    for (std::size_t i = 0; i < kept; ++i) {
        apply_write(m_durable, m_unsynced[i]);
    }
    m_unsynced.clear();
}

raft::PersistedState SimStorage::load(bool forget_voted_for) const
{
    raft::PersistedState state;
    state.hard_state = m_durable.hard_state;
    state.snapshot = m_durable.snapshot;
    state.entries = m_durable.entries;
    state.initial_conf = m_durable.initial_conf;
    state.applied = m_durable.snapshot_index();
    state.hard_state.commit = std::max(state.hard_state.commit, m_durable.snapshot_index());
    if (forget_voted_for) {
        // Mutant (c): the vote is not part of what the runtime reloads.
        state.hard_state.voted_for = raft::k_no_node;
    }
    return state;
}

void SimStorage::apply_write(DurableState& state, const Write& write)
{
    switch (write.kind) {
    case Write::Kind::snapshot: apply_snapshot(state, write.snapshot); break;
    case Write::Kind::entry: apply_entry(state, write.entry); break;
    case Write::Kind::hard_state: state.hard_state = write.hard_state; break;
    }
}

void SimStorage::apply_snapshot(DurableState& state, const raft::Snapshot& snapshot)
{
    const raft::Index index = snapshot.metadata.index;
    if (index <= state.snapshot_index()) {
        // An older snapshot than the one on disk adds nothing.
        return;
    }
    const raft::Entry* at_index = state.entry_at(index);
    std::vector<raft::Entry> suffix;
    if (at_index != nullptr && at_index->term == snapshot.metadata.term) {
        // Raft §7: a log that matches the snapshot's last entry keeps what follows.
        const std::size_t offset = index.value - state.snapshot_index().value;
        suffix.assign(state.entries.begin() + static_cast<std::ptrdiff_t>(offset),
                      state.entries.end());
    }
    state.entries = std::move(suffix);
    state.snapshot = snapshot;
    RE_ASSERT(state.entries.empty() || state.entries.front().index == raft::next(index));
}

void SimStorage::apply_entry(DurableState& state, const raft::Entry& entry)
{
    const raft::Index base = state.snapshot_index();
    if (entry.index <= base) {
        // Already covered by a durable snapshot (possible when mutant (d)
        // syncs a compaction before the entries it covers).
        return;
    }
    if (entry.index > raft::next(state.last_index())) {
        // A gap: the writes before it were lost. Only mutant (d) reorders
        // durability like this; a real WAL would stop replay at the gap.
        return;
    }
    state.entries.resize(entry.index.value - base.value - 1);
    state.entries.push_back(entry);
    RE_ASSERT(state.last_index() == entry.index);
}

} // namespace raftescort::sim
