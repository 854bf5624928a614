#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>

namespace raftescort::raft {

RaftLog::RaftLog(Index snapshot_index, Term snapshot_term, std::vector<Entry> entries)
    : m_snapshot_index(snapshot_index), m_snapshot_term(snapshot_term),
      m_entries(entries.begin(), entries.end()), m_committed(snapshot_index),
      m_applying(snapshot_index), m_applied(snapshot_index), m_stable(snapshot_index)
{
    Index expected = next(snapshot_index);
    for (const Entry& entry : m_entries) {
        // Entries read back from storage must be contiguous and follow the snapshot.
        RE_ASSERT(entry.index == expected);
        expected = next(expected);
    }
    m_stable = last_index();
}

Index RaftLog::last_index() const
{
    if (m_entries.empty()) {
        return m_snapshot_index;
    }
    return m_entries.back().index;
}

Term RaftLog::last_term() const
{
    if (m_entries.empty()) {
        return m_snapshot_term;
    }
    return m_entries.back().term;
}

std::size_t RaftLog::offset(Index index) const
{
    RE_ASSERT(index > m_snapshot_index);
    RE_ASSERT(index <= last_index());
    return static_cast<std::size_t>(index.value - m_snapshot_index.value - 1);
}

std::optional<Term> RaftLog::term(Index index) const
{
    if (index == m_snapshot_index) {
        return m_snapshot_term;
    }
    if (index < m_snapshot_index || index > last_index()) {
        return std::nullopt;
    }
    return m_entries[offset(index)].term;
}

bool RaftLog::match_term(Index index, Term expected) const
{
    std::optional<Term> actual = term(index);
    return actual.has_value() && *actual == expected;
}

bool RaftLog::is_up_to_date(Index candidate_last_index, Term candidate_last_term) const
{
    if (candidate_last_term != last_term()) {
        return candidate_last_term > last_term();
    }
    return candidate_last_index >= last_index();
}

const Entry& RaftLog::at(Index index) const
{
    const Entry& entry = m_entries[offset(index)];
    RE_ASSERT(entry.index == index);
    return entry;
}

std::vector<Entry> RaftLog::slice(Index low, Index high, std::uint64_t count_max,
                                  std::uint64_t bytes_max) const
{
    std::vector<Entry> result;
    if (low > high) {
        return result;
    }
    RE_ASSERT(low > m_snapshot_index);
    RE_ASSERT(high <= last_index());
    std::uint64_t bytes = 0;
    for (Index index = low; index <= high; index = next(index)) {
        const Entry& entry = at(index);
        bytes += entry.data.size() + 24;
        if (!result.empty() && (result.size() >= count_max || bytes > bytes_max)) {
            break;
        }
        result.push_back(entry);
    }
    return result;
}

void RaftLog::append(const std::vector<Entry>& entries)
{
    for (const Entry& entry : entries) {
        // The leader only ever appends at the end, never overwrites (§5.3).
        RE_ASSERT(entry.index == next(last_index()));
        RE_ASSERT(entry.term >= last_term());
        m_entries.push_back(entry);
    }
}

std::optional<Index> RaftLog::maybe_append(Index prev_index, Term prev_term,
                                           const std::vector<Entry>& entries)
{
    // Raft §5.3: reply false if the log has no entry at prev_index with prev_term.
    if (!match_term(prev_index, prev_term)) {
        return std::nullopt;
    }
    Index last_new = Index{prev_index.value + entries.size()};
    for (const Entry& entry : entries) {
        if (entry.index <= m_snapshot_index) {
            continue;
        }
        std::optional<Term> existing = term(entry.index);
        if (existing.has_value() && *existing == entry.term) {
            continue;
        }
        if (existing.has_value()) {
            // Raft §5.3: a conflicting entry and all that follow it are deleted.
            // Committed entries never conflict (Leader Completeness, §5.4).
            RE_ASSERT(entry.index > m_committed);
            while (!m_entries.empty() && m_entries.back().index >= entry.index) {
                m_entries.pop_back();
            }
            if (m_stable >= entry.index) {
                m_stable = previous(entry.index);
            }
        }
        RE_ASSERT(entry.index == next(last_index()));
        m_entries.push_back(entry);
    }
    return last_new;
}

Index RaftLog::first_index_of_term_at(Index index) const
{
    std::optional<Term> wanted = term(index);
    RE_ASSERT(wanted.has_value());
    Index first = index;
    while (first > next(m_snapshot_index)) {
        std::optional<Term> before = term(previous(first));
        if (!before.has_value() || *before != *wanted) {
            break;
        }
        first = previous(first);
    }
    return first;
}

std::optional<Index> RaftLog::last_index_of_term(Term wanted, Index at_most) const
{
    Index index = std::min(at_most, last_index());
    while (index > m_snapshot_index) {
        Term found = at(index).term;
        if (found == wanted) {
            return index;
        }
        if (found < wanted) {
            return std::nullopt;
        }
        index = previous(index);
    }
    if (index == m_snapshot_index && m_snapshot_term == wanted) {
        return index;
    }
    return std::nullopt;
}

void RaftLog::commit_to(Index index)
{
    if (index <= m_committed) {
        return;
    }
    // A node can only commit entries it holds.
    RE_ASSERT(index <= last_index());
    m_committed = index;
}

void RaftLog::applying_to(Index index)
{
    RE_ASSERT(index >= m_applying);
    m_applying = index;
}

void RaftLog::applied_to(Index index)
{
    RE_ASSERT(index >= m_applied);
    RE_ASSERT(index <= m_applying);
    m_applied = index;
}

void RaftLog::stable_to(Index index, Term expected)
{
    // Entries persisted by a Ready may have been replaced since; then nothing is stable yet.
    if (match_term(index, expected) && index > m_stable) {
        m_stable = index;
    }
}

std::vector<Entry> RaftLog::unstable_entries() const
{
    std::vector<Entry> result;
    for (Index index = next(m_stable); index <= last_index(); index = next(index)) {
        result.push_back(at(index));
    }
    return result;
}

std::vector<Entry> RaftLog::entries_to_apply(Index high) const
{
    std::vector<Entry> result;
    Index top = std::min(high, last_index());
    for (Index index = next(m_applying); index <= top; index = next(index)) {
        result.push_back(at(index));
    }
    return result;
}

void RaftLog::compact(Index index)
{
    if (index <= m_snapshot_index) {
        return;
    }
    // Only applied entries may be dropped: the snapshot replaces them.
    RE_ASSERT(index <= m_applied);
    RE_ASSERT(index <= last_index());
    Term index_term = at(index).term;
    while (!m_entries.empty() && m_entries.front().index <= index) {
        m_entries.pop_front();
    }
    m_snapshot_index = index;
    m_snapshot_term = index_term;
}

void RaftLog::restore(Index index, Term snapshot_term)
{
    RE_ASSERT(index > m_committed);
    m_entries.clear();
    m_snapshot_index = index;
    m_snapshot_term = snapshot_term;
    m_committed = index;
    m_applying = index;
    m_applied = index;
    m_stable = index;
}

} // namespace raftescort::raft
