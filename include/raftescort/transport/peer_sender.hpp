#pragma once

// PeerSender: delivers one peer's Raft messages over a keep-alive HTTP/1.1
// connection, from its own thread and bounded queue, so that a dead or slow
// peer never delays the node's loop or its other peers.
//
// Delivery is best effort, as Raft expects of its network: a message that
// cannot be sent (queue full, connection refused, timeout, non-2xx answer)
// is dropped and counted; the core resends what matters on its own.
//
// Wire contract (the receiving side is raft_endpoint.hpp):
//   POST /raft/message
//   Content-Type: application/json
//   X-Raftescort-Address: <sender's advertised host:port>
//   X-Raftescort-Token: <cluster token>          (only when one is set)
//   body: a batch (codec.hpp): every message queued while the previous
//         request was in flight, up to batch_messages_max / batch_bytes_max
//   X-Raftescort-Reply: batch                    (only with on_replies set)
// The receiver answers 204 with no body. A request with the reply header may
// instead get 200 and a batch: the receiver's answers to these messages
// (append and vote acks, made after its fsync), which would otherwise have
// come back as a request of their own (reply_slot.hpp). One request is in
// flight per peer; under load the queue fills meanwhile and the next request
// carries all of it, so requests per second stay near 1 / round trip
// whatever the message rate.
//
// probe() asks the sender thread for one bare TCP connect to the peer: a
// refusal means nothing listens there any more (port_probe.hpp), which a
// follower takes as its leader's death (RaftNode::leader_gone).

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/transport/codec.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/tls.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace raftescort::transport {

/// Header carrying the sender's advertised address, so receivers learn a
/// restarted peer's new address from its first message.
inline constexpr const char* k_address_header = "X-Raftescort-Address";
/// Header carrying the shared cluster token (when the cluster has one).
inline constexpr const char* k_token_header = "X-Raftescort-Token";
/// Header asking the receiver for its answers in the response.
inline constexpr const char* k_reply_header = "X-Raftescort-Reply";
inline constexpr const char* k_reply_header_value = "batch";
/// The path Raft messages are posted to.
inline constexpr const char* k_raft_message_path = "/raft/message";

struct PeerSenderOptions {
    /// Sent in every envelope; the receiver refuses other clusters.
    std::string cluster_id;
    /// This node's advertised host:port (the address header).
    std::string self_address;
    /// Empty: no token header is sent.
    std::string cluster_token;
    /// Enabled: messages go over HTTPS with this certificate, to peers whose
    /// certificate the CA signed.
    TlsFiles tls;
    /// Outgoing connections bind to this IP when non-empty (used when the
    /// advertised address is a loopback address, so tests can cut single
    /// links between 127.0.0.x nodes with iptables).
    std::string source_ip;
    /// Messages waiting to be sent; beyond this new messages are dropped.
    std::size_t queue_messages_max = 4096;
    /// Most messages in one request (the receiver's default limit is 1024).
    std::size_t batch_messages_max = 256;
    /// A request stops growing at this many body bytes; a single larger
    /// message (a snapshot chunk) still goes, alone.
    std::size_t batch_bytes_max = std::size_t{1} * 1024 * 1024;
    std::uint32_t connect_timeout_ms = 100;
    /// Read and write timeout of one request.
    std::uint32_t request_timeout_ms = 1000;
    /// After a failed request, messages queued meanwhile older than the
    /// failure are dropped and no new connection is tried for this long:
    /// a dead peer costs one connect attempt per backoff, not one per message.
    std::uint32_t failure_backoff_ms = 50;
    /// When set, requests ask for the peer's answers in the response, and
    /// those are handed to this as if they had arrived at this node's
    /// endpoint. Answers that do not decode, or are not from the peer to
    /// `self` in this cluster, are dropped and counted.
    InboundHandler on_replies;
    /// Called from the sender thread when a probe() found nothing listening
    /// at the peer's address (the connect was refused: its process is gone).
    std::function<void(raft::NodeId peer)> on_refused;
    /// This node's id (needed with on_replies).
    raft::NodeId self;
    DecodeLimits reply_limits;
};

/// Lifetime counters of one sender (for /status, /metrics and tests).
struct PeerSenderCounters {
    /// Messages the peer answered with 2xx.
    std::uint64_t sent = 0;
    /// Requests the peer answered with 2xx (each carries one or more messages).
    std::uint64_t requests = 0;
    /// Messages dropped because the queue was full.
    std::uint64_t dropped_queue_full = 0;
    /// Messages dropped because a request failed or was refused, or while
    /// backing off after a failure.
    std::uint64_t dropped_failed = 0;
    /// Requests that failed at the connection level or got a non-2xx answer.
    std::uint64_t failures = 0;
    /// The peer's answers that came back in responses, and were handed on.
    std::uint64_t replies = 0;
    /// Answers in responses that were dropped: undecodable, misaddressed,
    /// another cluster's, or refused by on_replies (inbox full).
    std::uint64_t replies_dropped = 0;
    /// Messages in the queue now.
    std::size_t queued = 0;
    /// True if the last request succeeded (false before the first one).
    bool reachable = false;
    /// The HTTP status of the last refused request (403, 409, 413, ...); 0 if none.
    int last_refusal_status = 0;
};

class PeerSender {
public:
    /// Starts the sender thread for `peer` at `address` (host:port).
    PeerSender(PeerSenderOptions options, raft::NodeId peer, std::string address);
    /// Stops the thread; queued messages are dropped. Returns within about
    /// one request timeout.
    ~PeerSender();
    PeerSender(const PeerSender&) = delete;
    PeerSender& operator=(const PeerSender&) = delete;

    /// Queues `message` (its `to` must be the peer); never blocks. Returns
    /// false, and counts the drop, when the queue is full.
    bool enqueue(raft::Message message);
    /// The peer moved: later requests go to `address` on a new connection.
    void set_address(std::string address);
    /// Asks, from the sender thread and before its next request, whether the
    /// peer's port still takes connections; a refusal goes to on_refused.
    /// Probes asked for while one is waiting are one probe.
    void probe();
    std::string address() const;
    raft::NodeId peer() const;
    PeerSenderCounters counters() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace raftescort::transport
