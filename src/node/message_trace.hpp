#pragma once

// A sampled, bounded trace of the Raft messages a node sends, for people to
// watch the protocol (GET /raft/trace, the proxy's "trace" events).
//
// What is listed one by one: every vote and pre-vote request and answer
// (with the reason of a refusal), timeout-now, snapshot chunks and their
// answers, refused appends (with the follower's conflict hint), and the
// first few appends with entries and successful answers per second per
// peer. What is counted instead: heartbeats and their answers, appends
// without entries, and the appends and answers beyond those few. A fault's victims are marked (dropped,
// delayed) and counted apart from what was sent. Each count is listed once its one-second
// window ends, as one message with `count` > 1. So under any load the trace
// grows by a bounded number of items per second, and the ring keeps the
// newest `capacity` of them.
//
// The loop thread records; HTTP threads read. One mutex, held briefly.

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace raftescort::node {

struct TracedMessage {
    enum class Fate : std::uint8_t {
        sent,
        /// A fault on the sender dropped it.
        dropped,
        /// A fault on the sender holds it back for a while.
        delayed,
    };
    std::uint64_t seq = 0;
    /// Wall-clock time, in milliseconds since the epoch; for a count, the
    /// end of its window.
    std::int64_t at_ms = 0;
    raft::NodeId from;
    raft::NodeId to;
    raft::MessageType type = raft::MessageType::heartbeat;
    raft::Term term;
    /// As raft::Message has them: append's previous entry, a vote request's
    /// last log entry, an append answer's matched or refused index.
    raft::Index index;
    raft::Term log_term;
    raft::Index commit;
    /// Entries carried (for a count: all its messages' entries).
    std::uint64_t entries = 0;
    bool reject = false;
    raft::VoteRefusal refusal = raft::VoteRefusal::none;
    raft::Index conflict_index;
    raft::Term conflict_term;
    std::uint64_t chunk_offset = 0;
    std::uint64_t chunk_bytes = 0;
    bool chunk_last = false;
    Fate fate = Fate::sent;
    /// 1 for a message listed alone; more for a count.
    std::uint64_t count = 1;
};

const char* fate_name(TracedMessage::Fate fate);

struct MessageTraceOptions {
    /// Items kept; older ones are dropped first.
    std::size_t capacity = 2048;
    /// Routine messages (appends and their answers) listed alone per peer
    /// and type in each window, before they are only counted.
    std::uint32_t listed_per_window = 4;
    std::int64_t window_ms = 1000;
};

/// What a reader gets: the items after its cursor, oldest first.
struct TracePage {
    std::vector<TracedMessage> messages;
    /// Pass as `after` next time.
    std::uint64_t next = 0;
    /// Items the reader missed because the ring had dropped them.
    std::uint64_t missed = 0;
};

class MessageTrace {
public:
    explicit MessageTrace(MessageTraceOptions options = {});

    /// Notes one message the node hands to its senders, or that a fault
    /// kept from them; also closes the windows that ended by `now_ms`.
    void record(const raft::Message& message, TracedMessage::Fate fate, std::int64_t now_ms);
    /// Items with seq > `after`, at most `limit`, after closing the
    /// windows that ended by `now_ms` (so a count shows up even when the
    /// node sends nothing more).
    TracePage read(std::uint64_t after, std::size_t limit, std::int64_t now_ms);
    /// The newest item's seq (0 if none): a cursor to follow from now on.
    std::uint64_t newest(std::int64_t now_ms);

private:
    struct Counted {
        std::int64_t window_start_ms = 0;
        std::uint32_t listed = 0;
        /// The count so far: the newest message, `count` and `entries` summed.
        std::optional<TracedMessage> total;
    };
    /// Destination, type, fate (a dropped heartbeat is counted apart) and
    /// whether the kind is only ever counted (an empty append is counted
    /// apart from those that carry entries).
    using Key = std::tuple<std::uint64_t, raft::MessageType, TracedMessage::Fate, bool>;

    void append_locked(TracedMessage message);
    void flush_locked(std::int64_t now_ms);

    const MessageTraceOptions m_options;
    mutable std::mutex m_mutex;
    std::deque<TracedMessage> m_ring;
    std::uint64_t m_next_seq = 1;
    /// Per destination and type, the routine messages of the open window.
    std::map<Key, Counted> m_counted;
    /// When the first open window ends; flushing waits for it.
    std::int64_t m_flush_due_ms = INT64_MAX;
};

} // namespace raftescort::node
