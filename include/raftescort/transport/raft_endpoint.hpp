#pragma once

// The receiving side of node-to-node messages: installs POST /raft/message
// on a cpp-httplib server (see peer_sender.hpp for the wire contract).
//
// Answers, checked in this order:
//   403  cluster token missing or wrong (when the node has one), answered on
//        the request's head before the body is read
//   413  body larger than limits.body_bytes_max (refused by the server
//        before the body is read)
//   400  body does not decode (the message names the field), or `to` is not
//        this node, or `from` is missing, or the batch holds more than
//        limits.batch_messages_max messages
//   409  the envelope's cluster id is another cluster's
//   503  the node's inbox is full (the handler returned false)
//   204  accepted
//   200  accepted, and the request asked for answers in the response
//        (k_reply_header): the body is a batch of the node's answers to
//        these messages (reply_slot.hpp), or 204 when it had none in time
// Error answers carry a JSON body {"error": "<one line>"}. The body may be a
// batch (codec.hpp): every message in it is checked before any is handed on,
// and the answer is for the whole batch; in a batch of several, a 400's text
// names the bad message ("message 3: ...").

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/transport/codec.hpp>
#include <raftescort/transport/http_server.hpp>
#include <raftescort/transport/reply_slot.hpp>

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace raftescort::transport {

struct RaftEndpointOptions {
    std::string cluster_id;
    raft::NodeId self;
    /// Empty: no token is required.
    std::string cluster_token;
    DecodeLimits limits;
    /// How long a request that asked for answers waits for them; after that
    /// it is answered with what is there and the rest go the ordinary way.
    /// Short: the sender sends nothing else to this node meanwhile.
    std::chrono::milliseconds reply_wait{100};
};

/// A decoded message and the address its sender advertised (may be empty
/// when the header was missing or not a host:port).
struct InboundMessage {
    raft::Message message;
    std::string sender_address;
    /// Where answers to this message may go back in the response; null when
    /// the sender did not ask. Shared by every message of one request.
    std::shared_ptr<ReplySlot> reply;
};

/// Called on a server thread with each accepted body's messages, in the
/// order sent; returns false when they could not be queued (the request is
/// answered 503). It takes all of them or none.
using InboundHandler = std::function<bool(std::vector<InboundMessage>)>;

/// Installs the route on `server`, its handlers in the peer work class.
void install_raft_endpoint(HttpServer& server, const RaftEndpointOptions& options,
                           InboundHandler handler);

/// Parses "host:port" by util::parse_host_port() with no default port
/// (port 1..65535, host non-empty, IPv6 in brackets allowed). Returns false
/// on anything else. A host name may hold only letters, digits, '-', '.'
/// and '_' (the address header is untrusted and ends up in logs); an IPv6
/// host is returned without its brackets. `host` and `port` are only
/// written on success.
bool split_host_port(const std::string& address, std::string& host, std::uint16_t& port);

/// True if `host` is an IPv4 loopback address (127.0.0.0/8) written as a
/// dotted quad; outgoing connections then bind to it.
bool is_loopback_ip(const std::string& host);

} // namespace raftescort::transport
