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

LogReplay::LogReplay(std::optional<raft::SnapshotMetadata> snapshot)
    : m_snapshot_index(snapshot.has_value() ? snapshot->index : raft::Index{0}),
      m_snapshot_term(snapshot.has_value() ? snapshot->term : raft::Term{0}),
      m_has_snapshot(snapshot.has_value())
{
}

std::optional<raft::Index> LogReplay::first_index() const
{
    if (m_covered.has_value()) {
        return m_covered->first;
    }
    if (!m_entries.empty()) {
        return m_entries.front().index;
    }
    return std::nullopt;
}

raft::Index LogReplay::last_index() const
{
    if (!m_entries.empty()) {
        return m_entries.back().index;
    }
    return m_covered.has_value() ? m_covered->last : m_base_index;
}

void LogReplay::clear()
{
    m_covered.reset();
    m_term_at_snapshot.reset();
    m_entries.clear();
}

void LogReplay::truncate_from(raft::Index index)
{
    if (!m_entries.empty() && index <= m_entries.back().index) {
        raft::Index first = m_entries.front().index;
        m_entries.resize(index <= first ? 0 : static_cast<std::size_t>(index.value - first.value));
    }
    if (m_covered.has_value() && index <= m_covered->last) {
        if (index <= m_covered->first) {
            m_covered.reset();
        } else {
            m_covered->last = raft::Index{index.value - 1};
        }
        if (index <= m_snapshot_index) {
            m_term_at_snapshot.reset();
        }
    }
}

void LogReplay::append(raft::Entry entry)
{
    if (entry.index > m_snapshot_index) {
        m_entries.push_back(std::move(entry));
        return;
    }
    // Covered entries always precede kept ones, so none can be kept yet.
    RE_ASSERT(m_entries.empty());
    if (m_covered.has_value()) {
        RE_ASSERT(entry.index == raft::next(m_covered->last));
        m_covered->last = entry.index;
    } else {
        m_covered = CoveredSpan{entry.index, entry.index};
    }
    if (entry.index == m_snapshot_index) {
        m_term_at_snapshot = entry.term;
    }
}

util::Status LogReplay::apply_entry(raft::Entry entry)
{
    RE_ASSERT(entry.index.value > 0);
    if (m_reset.has_value() && entry.index <= m_reset->index) {
        return corrupt("entry " + text(entry.index) + " is covered by the snapshot at "
                       + text(m_reset->index) + " that reset the log");
    }
    std::optional<raft::Index> first = first_index();
    if (!first.has_value()) {
        // With no reset, the first entries may start anywhere: compaction
        // deleted the segments before them. finish() checks the start.
        if (m_reset.has_value() && entry.index != raft::next(m_reset->index)) {
            return corrupt("entry " + text(entry.index) + " leaves a gap after the log reset at "
                           + text(m_reset->index));
        }
        append(std::move(entry));
        return util::Ok{};
    }
    raft::Index last = last_index();
    if (entry.index > raft::next(last)) {
        return corrupt("entry " + text(entry.index) + " leaves a gap after entry " + text(last));
    }
    if (entry.index < *first) {
        clear();
    } else if (entry.index <= last) {
        // Replace from here: the leader overwrote this entry and its successors.
        truncate_from(entry.index);
    }
    append(std::move(entry));
    RE_ASSERT(m_entries.empty()
              || m_entries.back().index.value - m_entries.front().index.value + 1
                     == m_entries.size());
    return util::Ok{};
}

void LogReplay::apply_hard_state(const raft::HardState& hard_state) { m_hard_state = hard_state; }

void LogReplay::apply_log_reset(const LogReset& reset)
{
    RE_ASSERT(reset.index.value > 0);
    clear();
    m_reset = reset;
}

util::Status LogReplay::finish()
{
    if (m_reset.has_value() && m_reset->index > m_snapshot_index) {
        return corrupt("the log was reset to a snapshot at index " + text(m_reset->index)
                       + " but the latest snapshot file is at index " + text(m_snapshot_index)
                       + ": a synced snapshot file is missing");
    }
    if (m_reset.has_value() && m_reset->index == m_snapshot_index
        && m_reset->term != m_snapshot_term) {
        return corrupt("the log was reset to a snapshot at index " + text(m_reset->index)
                       + " with another term than the snapshot file's");
    }
    if (std::optional<raft::Index> first = first_index(); first.has_value()) {
        raft::Index last = last_index();
        if (last <= m_snapshot_index) {
            clear();
        } else if (*first <= m_snapshot_index) {
            // The covered span reaches the snapshot's index: kept entries continue it.
            RE_ASSERT(m_covered.has_value() && m_covered->last == m_snapshot_index);
            RE_ASSERT(m_term_at_snapshot.has_value());
            // A log that disagrees with the snapshot at its index is the old
            // log of a snapshot install that crashed before its log reset was
            // synced: nothing after that point was acknowledged, and entries
            // after a disagreeing entry cannot match the leader's (log
            // matching, Raft §5.3), so none of them are kept.
            bool agrees = *m_term_at_snapshot == m_snapshot_term;
            m_covered.reset();
            m_term_at_snapshot.reset();
            if (!agrees) {
                m_entries.clear();
            }
        } else if (*first > raft::next(m_snapshot_index)) {
            return corrupt("the log starts at entry " + text(*first) + " but "
                           + (m_has_snapshot ? "the snapshot ends at " + text(m_snapshot_index)
                                             : std::string("there is no snapshot"))
                           + ": entries in between are missing");
        }
    }
    m_base_index = m_snapshot_index;
    // Entries now continue the snapshot without a gap.
    RE_ASSERT(!m_covered.has_value());
    if (!m_entries.empty()) {
        RE_ASSERT(m_entries.front().index == raft::next(m_snapshot_index));
    }
    if (m_hard_state.commit > last_index()) {
        return corrupt("durability violation: the hard state says entries up to "
                       + text(m_hard_state.commit) + " are committed but the log ends at "
                       + text(last_index()) + " (synced entries were lost)");
    }
    m_hard_state.commit = std::max(m_hard_state.commit, m_snapshot_index);
    RE_ASSERT(m_hard_state.commit <= last_index());
    return util::Ok{};
}

} // namespace raftescort::store
