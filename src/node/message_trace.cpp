#include "node/message_trace.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::node {

namespace {

/// Messages sent many times a second when all is well: counted, past a few.
bool is_routine(const raft::Message& message)
{
    switch (message.type) {
    case raft::MessageType::heartbeat:
    case raft::MessageType::heartbeat_response:
    case raft::MessageType::append: return true;
    case raft::MessageType::append_response: return !message.reject;
    default: return false;
    }
}

/// Never listed alone: heartbeats (at 20 a second per peer they would bury
/// everything else) and appends that carry no entry (a commit index or a
/// probe), and the answers to heartbeats.
bool is_counted_only(const raft::Message& message)
{
    return message.type == raft::MessageType::heartbeat
           || message.type == raft::MessageType::heartbeat_response
           || (message.type == raft::MessageType::append && message.entries.empty());
}

TracedMessage traced(const raft::Message& message, TracedMessage::Fate fate, std::int64_t now_ms)
{
    TracedMessage item;
    item.at_ms = now_ms;
    item.from = message.from;
    item.to = message.to;
    item.type = message.type;
    item.term = message.term;
    item.index = message.index;
    item.log_term = message.log_term;
    item.commit = message.commit;
    item.entries = message.entries.size();
    item.reject = message.reject;
    item.refusal = message.refusal;
    item.conflict_index = message.conflict_index;
    item.conflict_term = message.conflict_term;
    if (message.type == raft::MessageType::snapshot) {
        item.chunk_offset = message.chunk_offset;
        item.chunk_bytes = message.chunk_data.size();
        item.chunk_last = message.chunk_last;
    }
    item.fate = fate;
    return item;
}

} // namespace

const char* fate_name(TracedMessage::Fate fate)
{
    switch (fate) {
    case TracedMessage::Fate::sent: return "sent";
    case TracedMessage::Fate::dropped: return "dropped";
    case TracedMessage::Fate::delayed: return "delayed";
    }
    return "unknown";
}

MessageTrace::MessageTrace(MessageTraceOptions options) : m_options(options)
{
    RE_ASSERT(m_options.capacity > 0);
    RE_ASSERT(m_options.window_ms > 0);
}

void MessageTrace::record(const raft::Message& message, TracedMessage::Fate fate,
                          std::int64_t now_ms)
{
    std::lock_guard lock(m_mutex);
    flush_locked(now_ms);
    if (!is_routine(message)) {
        append_locked(traced(message, fate, now_ms));
        return;
    }
    const bool counted_only = is_counted_only(message);
    Counted& counted = m_counted[Key{message.to.value, message.type, fate, counted_only}];
    if (counted.window_start_ms == 0) {
        counted.window_start_ms = now_ms;
        m_flush_due_ms = std::min(m_flush_due_ms, now_ms + m_options.window_ms);
    }
    if (!counted_only && counted.listed < m_options.listed_per_window) {
        ++counted.listed;
        append_locked(traced(message, fate, now_ms));
        return;
    }
    // The count keeps the newest message's fields and adds up the entries.
    TracedMessage item = traced(message, fate, now_ms);
    if (counted.total) {
        item.count = counted.total->count + 1;
        item.entries += counted.total->entries;
    }
    counted.total = std::move(item);
}

void MessageTrace::flush_locked(std::int64_t now_ms)
{
    if (now_ms < m_flush_due_ms) {
        return;
    }
    m_flush_due_ms = INT64_MAX;
    for (auto it = m_counted.begin(); it != m_counted.end();) {
        Counted& counted = it->second;
        const std::int64_t window_end_ms = counted.window_start_ms + m_options.window_ms;
        if (now_ms < window_end_ms) {
            m_flush_due_ms = std::min(m_flush_due_ms, window_end_ms);
            ++it;
            continue;
        }
        if (counted.total) {
            counted.total->at_ms = window_end_ms;
            append_locked(std::move(*counted.total));
        }
        it = m_counted.erase(it);
    }
}

void MessageTrace::append_locked(TracedMessage message)
{
    message.seq = m_next_seq++;
    m_ring.push_back(std::move(message));
    while (m_ring.size() > m_options.capacity) {
        m_ring.pop_front();
    }
}

std::uint64_t MessageTrace::newest(std::int64_t now_ms)
{
    std::lock_guard lock(m_mutex);
    flush_locked(now_ms);
    return m_next_seq - 1;
}

TracePage MessageTrace::read(std::uint64_t after, std::size_t limit, std::int64_t now_ms)
{
    std::lock_guard lock(m_mutex);
    flush_locked(now_ms);
    // A cursor beyond anything recorded was given by an earlier run of
    // this node: start over.
    if (after >= m_next_seq) {
        after = 0;
    }
    TracePage page;
    page.next = after;
    if (m_ring.empty()) {
        page.next = std::max(after, m_next_seq - 1);
        return page;
    }
    const std::uint64_t oldest = m_ring.front().seq;
    if (after + 1 < oldest) {
        page.missed = oldest - after - 1;
    }
    std::size_t start = after < oldest ? 0 : static_cast<std::size_t>(after - oldest + 1);
    for (std::size_t i = start; i < m_ring.size() && page.messages.size() < limit; ++i) {
        page.messages.push_back(m_ring[i]);
    }
    page.next = page.messages.empty() ? std::max(after, m_next_seq - 1) : page.messages.back().seq;
    return page;
}

} // namespace raftescort::node
