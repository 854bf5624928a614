// Log replay and reconciliation with the snapshot; see wal_replay.hpp.

#include "store/wal_replay.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::store {
namespace {

std::string text(raft::Index index) { return std::to_string(index.value); }

util::Error corrupt(std::string message)
{
    return util::make_error(util::ErrorCode::corrupt, std::move(message));
}

} // namespace

raft::Index LogReplay::last_index() const
{
    return m_entries.empty() ? m_base_index : m_entries.back().index;
}

util::Status LogReplay::apply_entry(raft::Entry entry)
{
    RE_ASSERT(entry.index.value > 0);
    if (m_reset.has_value() && entry.index <= m_reset->index) {
        return corrupt("entry " + text(entry.index) + " is covered by the snapshot at "
                       + text(m_reset->index) + " that reset the log");
    }
    if (m_entries.empty()) {
        // With no reset, the first entries may start anywhere: compaction
        // deleted the segments before them. finish() checks the start.
        if (m_reset.has_value() && entry.index != raft::next(m_reset->index)) {
            return corrupt("entry " + text(entry.index) + " leaves a gap after the log reset at "
                           + text(m_reset->index));
        }
        m_entries.push_back(std::move(entry));
        return util::Ok{};
    }
    raft::Index first = m_entries.front().index;
    raft::Index last = m_entries.back().index;
    if (entry.index > raft::next(last)) {
        return corrupt("entry " + text(entry.index) + " leaves a gap after entry " + text(last));
    }
    if (entry.index < first) {
        m_entries.clear();
    } else if (entry.index <= last) {
        // Replace from here: the leader overwrote this entry and its successors.
        m_entries.resize(static_cast<std::size_t>(entry.index.value - first.value));
    }
    m_entries.push_back(std::move(entry));
    RE_ASSERT(m_entries.back().index.value - m_entries.front().index.value + 1 == m_entries.size());
    return util::Ok{};
}

void LogReplay::apply_hard_state(const raft::HardState& hard_state) { m_hard_state = hard_state; }

void LogReplay::apply_log_reset(const LogReset& reset)
{
    RE_ASSERT(reset.index.value > 0);
    m_entries.clear();
    m_reset = reset;
}

util::Status LogReplay::finish(const std::optional<raft::SnapshotMetadata>& snapshot)
{
    raft::Index snapshot_index = snapshot.has_value() ? snapshot->index : raft::Index{0};
    raft::Term snapshot_term = snapshot.has_value() ? snapshot->term : raft::Term{0};
    if (m_reset.has_value() && m_reset->index > snapshot_index) {
        return corrupt("the log was reset to a snapshot at index " + text(m_reset->index)
                       + " but the latest snapshot file is at index " + text(snapshot_index)
                       + ": a synced snapshot file is missing");
    }
    if (m_reset.has_value() && m_reset->index == snapshot_index && m_reset->term != snapshot_term) {
        return corrupt("the log was reset to a snapshot at index " + text(m_reset->index)
                       + " with another term than the snapshot file's");
    }
    if (!m_entries.empty()) {
        raft::Index first = m_entries.front().index;
        raft::Index last = m_entries.back().index;
        if (last <= snapshot_index) {
            m_entries.clear();
        } else if (first <= snapshot_index) {
            auto covered = static_cast<std::size_t>(snapshot_index.value - first.value + 1);
            RE_ASSERT(covered < m_entries.size());
            // A log that disagrees with the snapshot at its index is the old
            // log of a snapshot install that crashed before its log reset was
            // synced: nothing after that point was acknowledged, and entries
            // after a disagreeing entry cannot match the leader's (log
            // matching, Raft §5.3), so none of them are kept.
            if (m_entries[covered - 1].term != snapshot_term) {
                m_entries.clear();
            } else {
                m_entries.erase(m_entries.begin(),
                                m_entries.begin() + static_cast<std::ptrdiff_t>(covered));
            }
        } else if (first > raft::next(snapshot_index)) {
            return corrupt("the log starts at entry " + text(first) + " but "
                           + (snapshot.has_value() ? "the snapshot ends at " + text(snapshot_index)
                                                   : std::string("there is no snapshot"))
                           + ": entries in between are missing");
        }
    }
    m_base_index = snapshot_index;
    // Entries now continue the snapshot without a gap.
    if (!m_entries.empty()) {
        RE_ASSERT(m_entries.front().index == raft::next(snapshot_index));
    }
    if (m_hard_state.commit > last_index()) {
        return corrupt("durability violation: the hard state says entries up to "
                       + text(m_hard_state.commit) + " are committed but the log ends at "
                       + text(last_index()) + " (synced entries were lost)");
    }
    m_hard_state.commit = std::max(m_hard_state.commit, snapshot_index);
    RE_ASSERT(m_hard_state.commit <= last_index());
    return util::Ok{};
}

} // namespace raftescort::store
