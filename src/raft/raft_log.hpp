#pragma once

// The in-memory Raft log of one node: entries after the snapshot point, the
// commit index, and how far the runtime has made it durable and applied.

#include <raftescort/raft/types.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace raftescort::raft {

class RaftLog {
public:
    /// A log whose first entry follows (snapshot_index, snapshot_term).
    RaftLog(Index snapshot_index, Term snapshot_term, std::vector<Entry> entries);

    Index first_index() const { return next(m_snapshot_index); }
    Index last_index() const;
    Term last_term() const;
    Index snapshot_index() const { return m_snapshot_index; }
    Term snapshot_term() const { return m_snapshot_term; }
    /// The term at `index`: known for the snapshot point and every entry in memory.
    std::optional<Term> term(Index index) const;
    bool match_term(Index index, Term term) const;
    /// Raft §5.4.1: a candidate's log is at least as up to date as this one.
    bool is_up_to_date(Index last_index, Term last_term) const;

    const Entry& at(Index index) const;
    /// Entries in [low, high], at most `count_max` and about `bytes_max`
    /// (always at least one if the range is not empty).
    std::vector<Entry> slice(Index low, Index high, std::uint64_t count_max,
                             std::uint64_t bytes_max) const;

    /// Appends entries that directly follow the last one (leader side).
    void append(const std::vector<Entry>& entries);
    /// Follower side of AppendEntries (§5.3): if the entry at `prev_index` has
    /// `prev_term`, merges `entries` (a conflicting suffix is replaced) and
    /// returns the index of the last entry the leader sent.
    std::optional<Index> maybe_append(Index prev_index, Term prev_term,
                                      const std::vector<Entry>& entries);
    /// First index of the term of the entry at `index` (the conflict hint).
    Index first_index_of_term_at(Index index) const;
    /// The last index holding `term` at or below `at_most`, if any.
    std::optional<Index> last_index_of_term(Term term, Index at_most) const;

    Index committed() const { return m_committed; }
    void commit_to(Index index);
    Index applied() const { return m_applied; }
    void applied_to(Index index);
    /// Highest index that has been handed to the runtime for applying.
    Index applying() const { return m_applying; }
    void applying_to(Index index);
    /// Highest index the runtime has made durable.
    Index stable() const { return m_stable; }
    void stable_to(Index index, Term term);

    /// Entries not yet durable, in order.
    std::vector<Entry> unstable_entries() const;
    /// Entries committed but not yet handed out for applying, up to `high`.
    std::vector<Entry> entries_to_apply(Index high) const;

    /// Drops entries up to `index` (already applied) after a snapshot.
    void compact(Index index);
    /// Replaces the whole log with a snapshot point (InstallSnapshot).
    void restore(Index index, Term term);

private:
    std::size_t offset(Index index) const;

    Index m_snapshot_index;
    Term m_snapshot_term;
    std::deque<Entry> m_entries;
    Index m_committed;
    Index m_applying;
    Index m_applied;
    Index m_stable;
};

} // namespace raftescort::raft
