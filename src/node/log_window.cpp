#include "node/log_window.hpp"

#include "node/entry_text.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::node {

const char* overwrite_how_name(LogOverwrite::How how)
{
    switch (how) {
    case LogOverwrite::How::replaced: return "replaced";
    case LogOverwrite::How::truncated: return "truncated";
    }
    return "unknown";
}

LogWindow read_log_window(const raft::RaftNode& raft, std::optional<raft::Index> from,
                          std::size_t limit)
{
    limit = std::min(limit, k_log_window_limit_max);
    LogWindow window;
    window.first_index = raft.first_index();
    window.last_index = raft.last_index();
    window.commit_index = raft.commit_index();
    window.applied_index = raft.applied_index();
    window.snapshot_index = previous(window.first_index);
    window.snapshot_term = raft.term_at(window.snapshot_index).value_or(raft::Term{});
    if (limit == 0 || window.last_index < window.first_index) {
        return window;
    }
    raft::Index low = window.first_index;
    if (from) {
        low = std::max(*from, window.first_index);
    } else if (window.last_index.value - window.first_index.value + 1 > limit) {
        low = raft::Index{window.last_index.value - limit + 1};
    }
    if (low > window.last_index) {
        return window;
    }
    raft::Index high{std::min(window.last_index.value, low.value + limit - 1)};
    for (const raft::Entry& entry : raft.entries(low, high)) {
        window.entries.push_back(LoggedEntry{entry.index, entry.term, entry.type,
                                                describe_entry(entry)});
    }
    RE_ASSERT(window.entries.size() <= limit);
    return window;
}

void LogTailWatch::observe(const raft::RaftNode& raft, std::int64_t now_ms)
{
    if (!m_tail.empty() && !tail_unchanged(raft)) {
        record_changes(raft, now_ms);
        m_tail.clear();
    }
    while (!m_tail.empty() && m_tail.front().index <= raft.commit_index()) {
        m_tail.pop_front();
    }
    extend(raft);
}

bool LogTailWatch::tail_unchanged(const raft::RaftNode& raft) const
{
    const Watched& newest = m_tail.back();
    if (newest.index > raft.last_index()) {
        return false;
    }
    std::optional<raft::Term> term = raft.term_at(newest.index);
    return term && *term == newest.term;
}

void LogTailWatch::record_changes(const raft::RaftNode& raft, std::int64_t now_ms)
{
    const raft::Index snapshot_index = previous(raft.first_index());
    for (const Watched& watched : m_tail) {
        if (watched.index > raft.last_index()) {
            record(LogOverwrite{watched.index, watched.term, LogOverwrite::How::truncated,
                                raft::Term{}, now_ms});
            continue;
        }
        if (watched.index < snapshot_index) {
            continue;
        }
        std::optional<raft::Term> now = raft.term_at(watched.index);
        RE_ASSERT(now.has_value());
        if (*now != watched.term) {
            record(LogOverwrite{watched.index, watched.term, LogOverwrite::How::replaced, *now,
                                now_ms});
        }
    }
}

void LogTailWatch::record(LogOverwrite overwrite)
{
    m_overwrites.push_back(std::move(overwrite));
    while (m_overwrites.size() > k_overwrites_max) {
        m_overwrites.pop_front();
    }
}

void LogTailWatch::extend(const raft::RaftNode& raft)
{
    raft::Index next_index =
        m_tail.empty() ? std::max(next(raft.commit_index()), raft.first_index())
                       : next(m_tail.back().index);
    while (next_index <= raft.last_index() && m_tail.size() < k_watched_max) {
        std::optional<raft::Term> term = raft.term_at(next_index);
        RE_ASSERT(term.has_value());
        RE_ASSERT(m_tail.empty() || m_tail.back().index == previous(next_index));
        m_tail.push_back(Watched{next_index, *term});
        next_index = next(next_index);
    }
}

} // namespace raftescort::node
