#pragma once

// ReplySlot: lets a node's answers to one request's Raft messages travel back
// in that request's HTTP response, instead of as a request of their own on
// the node's sender to the peer.
//
// A request that asks for it (peer_sender.hpp, k_reply_header) gets a slot.
// The receiving loop adds every message it sends to the requester while it
// handles that request's batch (its append acks and vote answers, made after
// the fsync that makes them true) and closes the slot at the end of that
// iteration. The server thread waits for the close, or for its deadline, and
// answers with whatever the slot holds. After that the slot refuses further
// messages, which then go the ordinary way: either path is fine for Raft,
// which expects a network that may reorder.

#include <raftescort/raft/message.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace raftescort::transport {

class ReplySlot {
public:
    using Clock = std::chrono::steady_clock;

    /// From the loop: queues `message` for the response. False once the
    /// response was made (the caller then sends it another way); `message`
    /// is left untouched in that case.
    bool add(raft::Message& message);
    /// From the loop: nothing more will be added. Idempotent.
    void close();
    /// From the server thread: waits until close() or `deadline`, then takes
    /// the messages; every later add() is refused. Called once.
    std::vector<raft::Message> take(Clock::time_point deadline);

private:
    std::mutex m_mutex;
    std::condition_variable m_closed_signal;
    std::vector<raft::Message> m_messages;
    bool m_closed = false;
    bool m_taken = false;
};

} // namespace raftescort::transport
