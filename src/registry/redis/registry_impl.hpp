#pragma once

// Private to src/registry/redis: the Registry's state and the hiredis
// wrappers. hiredis types never leave this directory.

#include <raftescort/registry/registry.hpp>

#include <hiredis/hiredis.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::registry {

struct ReplyDeleter {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

using ContextPtr = std::unique_ptr<redisContext, decltype(&redisFree)>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
/// One Redis command as its arguments; binary-safe through redis*Argv.
using Command = std::vector<std::string>;

/// What a full outbox drops first; lower ranks go first (see Registry).
enum class RecordRank : std::uint8_t { event = 0, registration = 1, history = 2 };
inline constexpr std::size_t k_rank_count = 3;

enum class RecordKind : std::uint8_t { registration, candidacy, ballot, outcome, leader, event };

/// A queued record: the commands that write it, plus what flush() needs to
/// interpret the replies.
struct PendingRecord {
    RecordKind kind = RecordKind::event;
    RecordRank rank = RecordRank::event;
    /// registration: the node, so a newer registration replaces this one.
    /// leader: the leader this record names, to compare with what Redis holds.
    raft::NodeId node;
    raft::Term term;
    std::vector<Command> commands;
};

struct Registry::Impl {
    explicit Impl(RegistryOptions registry_options);

    // Connection (redis_connection.cpp).

    /// Connects unless connected; refuses while the backoff has not elapsed.
    util::Status ensure_connected(std::int64_t now_ms);
    util::Status connect(std::int64_t now_ms);
    /// Drops the connection and schedules the next attempt with backoff.
    void fail(std::int64_t now_ms, const util::Error& error);
    /// Sends `commands` pipelined and reads every reply. An I/O error or
    /// timeout fails the connection and returns the replies read so far
    /// (fewer than commands) with `error` set; Redis error replies are
    /// returned as replies, since the connection is still in sync.
    std::vector<ReplyPtr> pipeline(std::int64_t now_ms, const std::vector<Command>& commands,
                                   std::optional<util::Error>& error);
    /// Synchronous calls go through here: connect, pipeline, all replies or
    /// an error. Redis error replies are returned as replies, for callers
    /// that give some of them a meaning (WRONGTYPE on a known key).
    util::Result<std::vector<ReplyPtr>> exchange(std::int64_t now_ms,
                                                 const std::vector<Command>& commands);
    /// Reads go through here: exchange(), with any error reply an error.
    util::Result<std::vector<ReplyPtr>> read(std::int64_t now_ms,
                                             const std::vector<Command>& commands);
    /// Checks this client's marker key; a missing marker after an earlier
    /// connection means Redis lost its data.
    util::Status check_marker(std::int64_t now_ms);
    util::Status handshake(std::int64_t now_ms);

    // Outbox (redis_registry.cpp).

    void enqueue(PendingRecord record);
    void drop_one_for(RecordRank incoming_rank);
    void erase_at(std::size_t position);
    /// Interprets the replies of the record at the front and removes it. An
    /// error reply counts the record as rejected; it is not retried.
    void settle_front(const std::vector<ReplyPtr>& replies, std::size_t first_reply,
                      FlushReport& report);

    std::string key(const std::string& suffix) const { return m_prefix + suffix; }

    RegistryOptions m_options;
    /// "raftescort:<cluster>:"
    std::string m_prefix;
    std::string m_marker_key;

    ContextPtr m_context{nullptr, &redisFree};
    bool m_ever_connected = false;
    std::int64_t m_next_connect_ms = 0;
    std::uint32_t m_backoff_ms = 0;
    std::int64_t m_next_marker_check_ms = 0;
    bool m_reset = false;
    std::optional<util::Error> m_last_error;

    std::deque<PendingRecord> m_outbox;
    std::array<std::size_t, k_rank_count> m_rank_counts{};
    RegistryCounters m_counters;
};

/// The string of a status/string reply; empty for any other type.
std::string reply_string(const redisReply* reply);

} // namespace raftescort::registry
