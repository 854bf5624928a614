#pragma once

// Groups of message types that the core's handlers treat alike.

#include <raftescort/raft/message.hpp>

namespace raftescort::raft {

inline bool is_vote_request(MessageType type)
{
    return type == MessageType::pre_vote || type == MessageType::vote;
}

/// Only a leader of the message's term sends these.
inline bool is_from_leader(MessageType type)
{
    return type == MessageType::append || type == MessageType::heartbeat
           || type == MessageType::snapshot || type == MessageType::timeout_now;
}

} // namespace raftescort::raft
