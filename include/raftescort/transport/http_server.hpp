#pragma once

// HttpServer: every raftescort HTTP server (a node's, the proxy's).
//
// Why not cpp-httplib's server: in 0.11 it gives each connection a thread
// for as long as the connection lives and reads a request's headers with no
// deadline and no bound, so a few hundred idle or slow connections held every
// thread, and a node's peers (heartbeats included) waited behind them. This
// server reads every connection without blocking (one epoll set), so a slow
// client holds a few bytes of memory and no thread; a handler runs only once
// its request's head and body are complete and within their limits:
//
//   - the head must arrive within head_timeout of its first byte, its lines
//     and count within the HeadLimits, or the client gets 408, 414 or 431;
//   - a body longer than its route's limit is refused (413) before it is
//     read, and a route's admit check runs before the body is read too;
//   - connections are capped in total and per client address; at the cap
//     the longest-waiting untrusted connection that is between requests or
//     still sending a head makes room for the new one;
//   - a connection that showed the trust header (the cluster token) is
//     trusted: never evicted, outside the per-address cap;
//   - handlers of the peer work class (Raft messages) and of the api class
//     (everything else; a move waits for its commit) run on separate budgets
//     of threads, so a flood of API requests cannot hold up a heartbeat.
//
// Handlers keep cpp-httplib's Request and Response types; a handler that
// throws is answered 500 and logged, and the server keeps serving.

#include <raftescort/transport/tls.hpp>
#include <raftescort/util/result.hpp>

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace raftescort::transport {

using HttpHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

/// Which budget of threads runs a route's handlers.
enum class WorkClass { api, peer };

struct RouteOptions {
    /// Longest body the route reads; a longer Content-Length is 413 before
    /// any of it is read.
    std::size_t body_bytes_max = 16 * 1024;
    WorkClass work_class = WorkClass::api;
    /// Runs on the request's head (no body yet). Returning false refuses the
    /// request with whatever it put in the response; the body is never read
    /// and the connection closes.
    std::function<bool(const httplib::Request&, httplib::Response&)> admit;
};

struct HttpServerOptions {
    /// Open connections at most (also kept under the process's file limit).
    std::size_t connections_max = 1024;
    /// Untrusted connections from one client address at most.
    std::size_t connections_per_address_max = 256;
    /// Handlers of each class running at once; more wait in order.
    std::size_t api_threads_max = 64;
    std::size_t peer_threads_max = 16;
    /// Requests of one class waiting for a thread; past this, 503.
    std::size_t queued_requests_max = 4096;
    /// From a request's first byte to the end of its head.
    std::chrono::milliseconds head_timeout{10000};
    /// From the end of the head to the end of the body.
    std::chrono::milliseconds body_timeout{10000};
    /// How long a connection may wait between requests.
    std::chrono::milliseconds idle_timeout{5000};
    std::chrono::milliseconds trusted_idle_timeout{120000};
    /// For a response to leave (per write on a stream).
    std::chrono::milliseconds write_timeout{10000};
    /// A thread with nothing to do for this long ends (one always stays).
    std::chrono::milliseconds idle_thread_exit{5000};
    std::size_t request_line_bytes_max = 8 * 1024;
    std::size_t header_line_bytes_max = 8 * 1024;
    std::size_t header_count_max = 64;
    std::size_t head_bytes_max = 16 * 1024;
    /// Streamed responses (server-sent events) open at once; each holds a
    /// thread of its own.
    std::size_t streams_max = 64;
    /// A request with this header and value makes its connection trusted.
    /// Empty name: no connection is trusted.
    std::string trust_header;
    std::string trust_value;
    /// Threads are named "<name>" (and "<name>-stream"), for top -H and perf.
    std::string thread_name = "http";
};

/// Counters for tests and /metrics.
struct HttpServerStats {
    std::size_t connections = 0;
    std::size_t trusted_connections = 0;
    std::size_t threads = 0;
    std::size_t streams = 0;
    std::uint64_t accepted_total = 0;
    std::uint64_t refused_total = 0;
    std::uint64_t evicted_total = 0;
    std::uint64_t timed_out_total = 0;
    std::uint64_t requests_total = 0;
    /// TLS handshakes that failed (no certificate, another CA, not TLS).
    std::uint64_t handshakes_failed_total = 0;
};

class HttpServer {
public:
    explicit HttpServer(HttpServerOptions options = {});
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Routes are exact paths, installed before start(). GET routes answer
    /// HEAD too.
    void Get(const std::string& path, HttpHandler handler, RouteOptions options = {});
    void Post(const std::string& path, HttpHandler handler, RouteOptions options = {});

    /// Fills in the server's own error answers (a malformed request, no such
    /// route, a body too large, a handler that threw) in the caller's
    /// format; by default {"error": message}.
    using ErrorRenderer =
        std::function<void(int status, const std::string& message, httplib::Response&)>;
    void set_error_renderer(ErrorRenderer renderer);

    /// Serves HTTPS from now on (before start()); with
    /// `require_client_certificate`, only to clients whose certificate the
    /// CA signed (mutual TLS). The error names the file that is wrong.
    util::Status enable_tls(const TlsFiles& files, bool require_client_certificate);

    /// Binds and listens; port 0 takes any free port. False when the address
    /// is in use or not this host's.
    bool bind(const std::string& host, std::uint16_t port);
    /// The bound port (after bind).
    std::uint16_t port() const;

    /// Serves on the server's own threads until stop().
    void start();
    /// Stops accepting, lets running handlers finish and closes everything.
    /// Idempotent.
    void stop();

    HttpServerStats stats() const;

    class Engine;

private:
    std::unique_ptr<Engine> m_engine;
};

} // namespace raftescort::transport
