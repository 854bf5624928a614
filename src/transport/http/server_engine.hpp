#pragma once

// The engine behind HttpServer (include/raftescort/transport/http_server.hpp),
// shared by the files that each do one part of its work:
//
//   http_server.cpp      the facade, start, the threads, stop
//   server_accept.cpp    accepting connections, the caps, eviction, deadlines
//   server_requests.cpp  reading requests, thread budgets, handlers
//   server_routing.cpp   a request's head: its route, admission and body
//   server_answers.cpp   writing answers, keep-alive and closing
//   server_streams.cpp   streamed answers (server-sent events)
//
// Threads share one epoll set. Every connection is registered one-shot, so
// each readiness event goes to exactly one thread, which owns the connection
// (its mutex) until it re-arms it. A thread reads what is there, and when a
// request is complete it runs the handler itself: no hand-off between a
// reading thread and a working one. Before it runs a handler it makes sure
// another thread is left waiting on the set (starting one if needed, up to
// the budgets), so a handler that waits never leaves the set unwatched.
// Idle threads end after idle_thread_exit; one always stays.
//
// Lock order: a connection's mutex, then the engine's. The sweeper and the
// evictor hold the engine's mutex only to pick candidates and then try_lock
// a connection, never wait for one.

#include <raftescort/transport/http_server.hpp>

#include "transport/http/request_head.hpp"
#include "transport/http/server_connection.hpp"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace raftescort::transport {

namespace http {

using ConnectionPtr = std::shared_ptr<ServerConnection>;

// Event ids below k_first_connection_id are the engine's own descriptors.
inline constexpr std::uint64_t k_listen_event = 1;
inline constexpr std::uint64_t k_timer_event = 2;
inline constexpr std::uint64_t k_wake_event = 3;
inline constexpr std::uint64_t k_first_connection_id = 16;

/// How often deadlines are checked: a timeout fires up to this late.
inline constexpr std::chrono::milliseconds k_sweep_interval{250};
/// Connections accepted per wake-up before the accept event is re-armed,
/// so a burst of connects cannot keep one thread from everything else.
inline constexpr int k_accepts_per_wake = 64;
/// Bytes read per call.
inline constexpr std::size_t k_read_bytes = 64 * 1024;
/// After an error answer, how long and how much of a client's unread
/// request is read and dropped before the connection closes.
inline constexpr std::chrono::milliseconds k_linger_time{2000};
inline constexpr std::uint64_t k_linger_bytes_max = 1024 * 1024;
/// Descriptors kept free for everything that is not a connection (data
/// files, peers' sockets, Redis).
inline constexpr std::size_t k_descriptors_reserved = 128;
inline constexpr std::size_t k_work_classes = 2;

inline std::int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               ServerClock::now().time_since_epoch())
        .count();
}

inline std::size_t class_index(WorkClass work_class)
{
    return work_class == WorkClass::peer ? 1 : 0;
}

/// "1.2.3.4" or "::1", and the port, of a socket address.
std::string address_text(const sockaddr_storage& address, int& port);

} // namespace http

class HttpServer::Engine {
    using ConnectionPtr = http::ConnectionPtr;
    using ServerConnection = http::ServerConnection;

public:
    explicit Engine(HttpServerOptions options);
    ~Engine();

    void add_route(const std::string& method, const std::string& path, HttpHandler handler,
                   RouteOptions options);
    void set_error_renderer(ErrorRenderer renderer) { m_render = std::move(renderer); }
    util::Status enable_tls(const TlsFiles& files, bool require_client_certificate);
    bool bind(const std::string& host, std::uint16_t port);
    std::uint16_t port() const { return m_port; }
    void start();
    void stop();
    HttpServerStats stats() const;

private:
    struct Route {
        HttpHandler handler;
        RouteOptions options;
    };
    /// What serving a connection came to, so the caller knows how to re-arm it.
    enum class Wait { read, write, none };
    struct WorkBudget {
        std::size_t running = 0;
        std::size_t limit = 0;
        std::deque<ConnectionPtr> queue;
    };
    /// A connection to serve and whether a thread budget is already held for
    /// its queued request.
    struct Turn {
        ConnectionPtr connection;
        bool holds_budget = false;
    };

    void thread_main();
    bool add_thread_locked();
    void accept_ready();
    void admit_connection(int fd, const sockaddr_storage& address);
    /// Closes the untrusted connection (from `address` when not empty) that
    /// has waited longest for a request; false when there is none.
    bool evict_one(const std::string& address);
    void sweep();
    void connection_ready(std::uint64_t id, std::uint32_t events);
    void serve(Turn first);
    Wait serve_turn(ServerConnection& connection, const ConnectionPtr& pointer, bool holds_budget,
                    std::vector<Turn>& next);
    bool read_some(ServerConnection& connection);
    enum class Parse { ready, wait, answered };
    Parse parse_input(ServerConnection& connection);
    Parse head_complete(ServerConnection& connection);
    /// The route that serves `head`, or null after answering 404 or 405.
    const Route* route_of(ServerConnection& connection, const http::RequestHead& head, bool close);
    void answer_not_allowed(ServerConnection& connection, const http::RequestHead& head,
                            const std::map<std::string, Route>& methods, bool close);
    /// The request of `head` (its headers move into it), without its body.
    httplib::Request make_request(const ServerConnection& connection, http::RequestHead& head,
                                  httplib::Params params) const;
    /// Trusts the connection when the request carries the trust header's value.
    void trust_if_vouched(ServerConnection& connection, const httplib::Request& request);
    /// False after answering: the route's admit check refused the request,
    /// or its body is over the route's limit.
    bool admit_request(ServerConnection& connection, const Route& route,
                       const httplib::Request& request, const http::RequestHead& head);
    /// Takes the request to phase body, with "100 Continue" when the client
    /// waits for one.
    Parse await_body(ServerConnection& connection, const Route& route, httplib::Request request,
                     const http::RequestHead& head);
    bool acquire_budget(WorkClass work_class, const ConnectionPtr& connection);
    std::optional<Turn> release_budget(WorkClass work_class);
    void run_handler(ServerConnection& connection, const ConnectionPtr& pointer);
    void answer(ServerConnection& connection, const httplib::Response& response, bool close,
                bool linger);
    void answer_error(ServerConnection& connection, int status, const std::string& message,
                      bool close, bool linger);
    Wait flush(ServerConnection& connection);
    Wait after_response(ServerConnection& connection);
    Wait drain(ServerConnection& connection);
    void start_stream(ServerConnection& connection, const ConnectionPtr& pointer,
                      std::unique_ptr<httplib::Response> response);
    void stream_main(ConnectionPtr connection, std::unique_ptr<httplib::Response> response);
    void arm(ServerConnection& connection, Wait wait);
    void wait_for_request(ServerConnection& connection);
    void mark_trusted(ServerConnection& connection);
    void close_connection(ServerConnection& connection);
    ConnectionPtr find(std::uint64_t id) const;

    const HttpServerOptions m_options;
    const http::HeadLimits m_limits;
    std::map<std::string, std::map<std::string, Route>> m_routes; // path -> method -> route
    ErrorRenderer m_render;

    /// Null: plain HTTP.
    SslContext m_tls;
    int m_listen_fd = -1;
    int m_epoll_fd = -1;
    int m_timer_fd = -1;
    int m_wake_fd = -1;
    int m_reserve_fd = -1;
    std::uint16_t m_port = 0;
    std::size_t m_connections_max = 0;
    /// Every handler budget, plus threads left to watch the epoll set.
    const std::size_t m_threads_max;

    mutable std::mutex m_mutex;
    std::condition_variable m_ended;
    std::unordered_map<std::uint64_t, ConnectionPtr> m_connections;
    std::unordered_map<std::string, std::size_t> m_untrusted_per_address;
    std::uint64_t m_next_id = http::k_first_connection_id;
    WorkBudget m_budgets[http::k_work_classes];
    std::size_t m_threads = 0;
    std::size_t m_waiting = 0;
    std::size_t m_streams = 0;
    std::size_t m_trusted = 0;
    bool m_started = false;
    std::atomic<bool> m_stopping{false};
    HttpServerStats m_counters;
};

} // namespace raftescort::transport
