#pragma once

// Messages between Raft cores. One struct for every kind, as etcd's raftpb:
// the fields a kind does not use stay at their defaults. The transport
// encodes them; the core never sees bytes.

#include <raftescort/raft/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace raftescort::raft {

enum class MessageType : std::uint8_t {
    pre_vote = 0,
    pre_vote_response = 1,
    vote = 2,
    vote_response = 3,
    append = 4,
    append_response = 5,
    heartbeat = 6,
    heartbeat_response = 7,
    snapshot = 8,
    snapshot_response = 9,
    timeout_now = 10,
};

const char* message_type_name(MessageType type);

/// Why a vote was refused; recorded by the registry for the election history.
enum class VoteRefusal : std::uint8_t {
    none = 0,
    lower_term = 1,
    already_voted = 2,
    stale_log = 3,
    leader_alive = 4,
    not_member = 5,
};

const char* vote_refusal_name(VoteRefusal refusal);

struct Message {
    MessageType type = MessageType::heartbeat;
    NodeId from;
    NodeId to;
    /// Sender's term. For pre_vote it is the term the sender would campaign in.
    Term term;

    /// append: index/term of the entry before `entries`.
    /// (pre_)vote: the candidate's last log index/term.
    /// append_response: the last index the follower now matches (success) or
    /// the index that was rejected (reject).
    Index index;
    Term log_term;

    std::vector<Entry> entries;
    /// Leader's commit index (append, heartbeat).
    Index commit;

    /// Responses: true when the request was refused.
    bool reject = false;
    /// append_response with reject: follower's conflict hint (§5.3 optimization).
    Index conflict_index;
    Term conflict_term;
    /// vote_response with reject: why.
    VoteRefusal refusal = VoteRefusal::none;

    /// vote/pre_vote sent after leadership transfer: disregard the leader lease.
    bool transfer = false;

    /// heartbeat and heartbeat_response: ReadIndex round the leader waits on.
    std::uint64_t read_round = 0;

    /// snapshot: one chunk of `snapshot_metadata`'s data at `chunk_offset`.
    SnapshotMetadata snapshot_metadata;
    std::uint64_t chunk_offset = 0;
    std::string chunk_data;
    bool chunk_last = false;
};

} // namespace raftescort::raft
