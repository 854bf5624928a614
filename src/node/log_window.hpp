#pragma once

// A window onto one node's Raft log, for GET /raft/log: the entries it holds
// (committed or not), where its commit, applied and snapshot points are, and
// which of its entries were recently overwritten or cut off, so a person can
// watch a follower's log being repaired after a partition heals (Raft §5.3).

#include "node/node_status.hpp"

#include <raftescort/raft/raft_node.hpp>
#include <raftescort/raft/types.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::node {

/// An entry this node held, uncommitted, that its log no longer holds.
struct LogOverwrite {
    enum class How {
        /// A leader's entry of another term took its index.
        replaced,
        /// The log was cut shorter than this index.
        truncated,
    };
    raft::Index index;
    /// The term the lost entry had.
    raft::Term term;
    How how = How::replaced;
    /// replaced: the term of the entry now at `index`.
    raft::Term replaced_by;
    /// Wall-clock time it was noticed, in milliseconds since the epoch.
    std::int64_t at_ms = 0;
};

const char* overwrite_how_name(LogOverwrite::How how);

struct LogWindow {
    /// The first entry still in memory; entries before it are in the snapshot.
    raft::Index first_index;
    raft::Index last_index;
    raft::Index commit_index;
    raft::Index applied_index;
    /// The point the in-memory log follows (the last compaction or
    /// installed snapshot); 0 when there was none.
    raft::Index snapshot_index;
    raft::Term snapshot_term;
    /// Entries in the window, oldest first, in words as /logs has them.
    std::vector<LoggedEntry> entries;
    /// The recent overwrites, oldest first (LogTailWatch keeps a bounded number).
    std::vector<LogOverwrite> overwritten;
};

/// The most entries one window may hold.
inline constexpr std::size_t k_log_window_limit_max = 1000;

/// Reads `limit` entries (at most k_log_window_limit_max) from `from`, or
/// the last `limit` entries when `from` is nullopt. A `from` inside the
/// snapshot starts at the first entry still in memory.
LogWindow read_log_window(const raft::RaftNode& raft, std::optional<raft::Index> from,
                          std::size_t limit);

/// Remembers the term of each uncommitted entry, so that when the log
/// changes under them (a new leader's entries replace a deposed leader's)
/// the loss is noticed and kept for the log window. Committed entries never
/// change (Raft's State Machine Safety), so only the uncommitted tail is
/// watched, and only its first k_watched_max entries.
///
/// observe() costs O(1) per call while nothing is overwritten, by the Log
/// Matching property: if the newest watched entry still has its term, every
/// watched entry before it does too. Only when it changed is the tail scanned.
/// An entry that a leader's snapshot covered is compared only at the
/// snapshot's own index, the one whose term the log still knows; those
/// below it are not reported, since whether they differed is unknown.
class LogTailWatch {
public:
    static constexpr std::size_t k_watched_max = 4096;
    static constexpr std::size_t k_overwrites_max = 64;

    /// Compares the watched tail with the log as it is now, records what
    /// changed, and then watches the log's uncommitted tail.
    void observe(const raft::RaftNode& raft, std::int64_t now_ms);
    /// Forgets the tail (the log was closed: a crash); overwrites stay.
    void reset() { m_tail.clear(); }
    const std::deque<LogOverwrite>& overwrites() const { return m_overwrites; }

private:
    struct Watched {
        raft::Index index;
        raft::Term term;
    };

    bool tail_unchanged(const raft::RaftNode& raft) const;
    void record_changes(const raft::RaftNode& raft, std::int64_t now_ms);
    void record(LogOverwrite overwrite);
    void extend(const raft::RaftNode& raft);

    /// Consecutive indexes, all above the commit index when last observed.
    std::deque<Watched> m_tail;
    std::deque<LogOverwrite> m_overwrites;
};

} // namespace raftescort::node
