#pragma once

// One client connection of an HttpServer (http_server.hpp) and where it
// stands. A connection is owned by at most one thread at a time, the one
// holding its mutex; the few fields that the sweeper and the evictor read
// without that mutex are atomics.

#include "transport/http/request_head.hpp"

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace raftescort::transport::http {

using ServerClock = std::chrono::steady_clock;

enum class Phase : std::uint8_t {
    /// TLS: the handshake is under way (it has the head's deadline).
    handshake,
    /// Waiting for a request's head (between requests, or part of one came).
    head,
    /// The head is in; waiting for the rest of the body.
    body,
    /// A request is ready and waits for a thread of its work class.
    queued,
    /// A handler is running.
    handling,
    /// A response is partly sent; waiting until the socket takes the rest.
    writing,
    /// An error was answered and the write side shut: reading what the
    /// client still sends, so that closing does not reset the connection
    /// before the client has read the answer.
    draining,
    /// A stream thread writes a streamed body (server-sent events).
    streaming,
    closed,
};

struct ServerConnection {
    std::uint64_t id = 0;
    int fd = -1;
    /// TLS on this connection; null for plain TCP. Freed on close.
    SSL* ssl = nullptr;
    std::string remote_ip;
    int remote_port = -1;

    std::mutex mutex;

    // Read without the mutex by the sweeper and the evictor.
    std::atomic<Phase> phase{Phase::head};
    /// steady_clock milliseconds; the connection is closed past it.
    std::atomic<std::int64_t> deadline_ms{INT64_MAX};
    /// When the connection last started to wait for a request: the evictor
    /// makes room by closing the longest-waiting one.
    std::atomic<std::int64_t> waiting_since_ms{0};
    std::atomic<bool> trusted{false};

    // Owned by the thread holding the mutex.
    std::string input;
    HeadScanner scanner;
    /// The request being read (phase body) or queued, without its body
    /// until the body is complete.
    std::optional<httplib::Request> request;
    std::uint64_t content_length = 0;
    bool keep_alive = true;
    const void* route = nullptr;
    bool head_only = false;
    std::string output;
    std::size_t output_sent = 0;
    bool close_after_write = false;
    /// After an error answer: drain, then close.
    bool linger_after_write = false;
    std::uint64_t drained_bytes = 0;
    /// TLS: the last read could not go on until the socket was writable.
    bool read_wants_write = false;
    std::uint64_t requests_served = 0;
};

} // namespace raftescort::transport::http
