// The HTTP server engine (include/raftescort/transport/http_server.hpp).
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
#include "transport/http/response_text.hpp"
#include "transport/http/server_connection.hpp"
#include "transport/http/socket_io.hpp"

#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace raftescort::transport {

namespace {

using http::Phase;
using http::ServerClock;
using http::ServerConnection;
using ConnectionPtr = std::shared_ptr<ServerConnection>;

// Event ids below k_first_connection_id are the engine's own descriptors.
constexpr std::uint64_t k_listen_event = 1;
constexpr std::uint64_t k_timer_event = 2;
constexpr std::uint64_t k_wake_event = 3;
constexpr std::uint64_t k_first_connection_id = 16;

/// How often deadlines are checked: a timeout fires up to this late.
constexpr std::chrono::milliseconds k_sweep_interval{250};
/// Connections accepted per wake-up before the accept event is re-armed,
/// so a burst of connects cannot keep one thread from everything else.
constexpr int k_accepts_per_wake = 64;
/// Bytes read per call.
constexpr std::size_t k_read_bytes = 64 * 1024;
/// After an error answer, how long and how much of a client's unread
/// request is read and dropped before the connection closes.
constexpr std::chrono::milliseconds k_linger_time{2000};
constexpr std::uint64_t k_linger_bytes_max = 1024 * 1024;
/// Descriptors kept free for everything that is not a connection (data
/// files, peers' sockets, Redis).
constexpr std::size_t k_descriptors_reserved = 128;
constexpr std::size_t k_work_classes = 2;

std::int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               ServerClock::now().time_since_epoch())
        .count();
}

std::size_t class_index(WorkClass work_class) { return work_class == WorkClass::peer ? 1 : 0; }

/// Compares every byte whatever the first mismatch, so the time taken says
/// little about how much of a guessed token was right.
bool constant_time_equal(std::string_view expected, std::string_view given)
{
    unsigned difference = expected.size() == given.size() ? 0U : 1U;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        auto a = static_cast<unsigned char>(expected[i]);
        auto b = static_cast<unsigned char>(i < given.size() ? given[i] : 0);
        difference |= static_cast<unsigned>(a ^ b);
    }
    return difference == 0;
}

void default_error_renderer(int status, const std::string& message, httplib::Response& response)
{
    response.status = status;
    response.set_content(json_text(nlohmann::json{{"error", message}}), "application/json");
}

std::string address_text(const sockaddr_storage& address, int& port)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto& ipv4 = reinterpret_cast<const sockaddr_in&>(address);
        inet_ntop(AF_INET, &ipv4.sin_addr, text, sizeof text);
        port = ntohs(ipv4.sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto& ipv6 = reinterpret_cast<const sockaddr_in6&>(address);
        inet_ntop(AF_INET6, &ipv6.sin6_addr, text, sizeof text);
        port = ntohs(ipv6.sin6_port);
    }
    return text;
}

/// The soft limit of open files is raised to the hard one: every connection
/// is a descriptor, and Debian's default soft limit is 1024.
std::size_t open_files_limit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 1024;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            limit = raised;
        }
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20
                                           : static_cast<std::size_t>(limit.rlim_cur);
}

} // namespace

class HttpServer::Engine {
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
    ErrorRenderer m_render = default_error_renderer;

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
    std::uint64_t m_next_id = k_first_connection_id;
    WorkBudget m_budgets[k_work_classes];
    std::size_t m_threads = 0;
    std::size_t m_waiting = 0;
    std::size_t m_streams = 0;
    std::size_t m_trusted = 0;
    bool m_started = false;
    std::atomic<bool> m_stopping{false};
    HttpServerStats m_counters;
};

HttpServer::Engine::Engine(HttpServerOptions options)
    : m_options(std::move(options))
    , m_limits{m_options.request_line_bytes_max, m_options.header_line_bytes_max,
               m_options.header_count_max, m_options.head_bytes_max}
    , m_threads_max(m_options.api_threads_max + m_options.peer_threads_max + 2)
{
    RE_ASSERT(m_options.connections_max > 0);
    RE_ASSERT(m_options.api_threads_max > 0);
    RE_ASSERT(m_options.peer_threads_max > 0);
    RE_ASSERT(m_options.trust_header.empty() == m_options.trust_value.empty());
    m_budgets[class_index(WorkClass::api)].limit = m_options.api_threads_max;
    m_budgets[class_index(WorkClass::peer)].limit = m_options.peer_threads_max;
    m_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    m_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    m_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    m_reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (m_epoll_fd < 0 || m_timer_fd < 0 || m_wake_fd < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot create the server's epoll set");
    }
    std::size_t files = open_files_limit();
    m_connections_max = std::min(m_options.connections_max,
                                 files > 2 * k_descriptors_reserved ? files - k_descriptors_reserved
                                                                    : files / 2);
}

HttpServer::Engine::~Engine()
{
    stop();
    for (int fd : {m_listen_fd, m_epoll_fd, m_timer_fd, m_wake_fd, m_reserve_fd}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void HttpServer::Engine::add_route(const std::string& method, const std::string& path,
                                   HttpHandler handler, RouteOptions options)
{
    RE_ASSERT(!m_started);
    RE_ASSERT(!path.empty() && path.front() == '/');
    RE_ASSERT(handler);
    m_routes[path][method] = Route{std::move(handler), std::move(options)};
}

util::Status HttpServer::Engine::enable_tls(const TlsFiles& files, bool require_client_certificate)
{
    RE_ASSERT(!m_started);
    RE_TRY(context, make_server_tls(files, require_client_certificate));
    m_tls = std::move(context);
    return util::Ok{};
}

bool HttpServer::Engine::bind(const std::string& host, std::uint16_t port)
{
    RE_ASSERT(m_listen_fd < 0);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    if (getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0) {
        return false;
    }
    for (addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
        int fd = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          candidate->ai_protocol);
        if (fd < 0) {
            continue;
        }
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        // Bursts of connects (peers after a partition heals, a dashboard
        // reconnecting, a script's parallel requests) must not overflow the
        // accept queue: the kernel drops SYNs that clients resend after 1 s.
        if (::bind(fd, candidate->ai_addr, candidate->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
            m_listen_fd = fd;
            break;
        }
        ::close(fd);
    }
    freeaddrinfo(found);
    if (m_listen_fd < 0) {
        return false;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&bound), &length);
    int bound_port = 0;
    address_text(bound, bound_port);
    m_port = static_cast<std::uint16_t>(bound_port);
    return true;
}

void HttpServer::Engine::start()
{
    RE_ASSERT(m_listen_fd >= 0);
    RE_ASSERT(!m_started);
    auto add = [this](int fd, std::uint64_t id, std::uint32_t events) {
        epoll_event event{};
        event.events = events;
        event.data.u64 = id;
        if (epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
            throw std::system_error(errno, std::generic_category(), "epoll_ctl");
        }
    };
    add(m_listen_fd, k_listen_event, EPOLLIN | EPOLLONESHOT);
    add(m_timer_fd, k_timer_event, EPOLLIN | EPOLLONESHOT);
    // Level-triggered and never read: once written, it wakes every thread
    // until all have seen that the server stops.
    add(m_wake_fd, k_wake_event, EPOLLIN);
    itimerspec period{};
    period.it_interval.tv_nsec = std::chrono::nanoseconds(k_sweep_interval).count();
    period.it_value = period.it_interval;
    timerfd_settime(m_timer_fd, 0, &period, nullptr);
    std::lock_guard lock(m_mutex);
    m_started = true;
    if (!add_thread_locked()) {
        throw std::system_error(EAGAIN, std::generic_category(), "cannot start a server thread");
    }
}

bool HttpServer::Engine::add_thread_locked()
{
    ++m_threads;
    try {
        // Detached: a thread that ends for idleness has nobody to join it;
        // stop() waits for the count instead.
        std::thread([this] { thread_main(); }).detach();
        return true;
    } catch (const std::system_error&) {
        --m_threads;
        return false;
    }
}

void HttpServer::Engine::thread_main()
{
    name_this_thread(m_options.thread_name);
    std::int64_t last_work_ms = now_ms();
    const int idle_exit_ms = static_cast<int>(m_options.idle_thread_exit.count());
    while (!m_stopping.load()) {
        {
            std::lock_guard lock(m_mutex);
            ++m_waiting;
        }
        epoll_event event{};
        int ready = epoll_wait(m_epoll_fd, &event, 1, idle_exit_ms);
        {
            std::lock_guard lock(m_mutex);
            --m_waiting;
            if (ready == 0 && m_threads > 1 && now_ms() - last_work_ms >= idle_exit_ms) {
                break;
            }
        }
        if (ready <= 0) {
            continue; // a timeout, or EINTR
        }
        switch (event.data.u64) {
        case k_wake_event: break;
        case k_listen_event: accept_ready(); break;
        case k_timer_event: sweep(); break;
        default:
            connection_ready(event.data.u64, event.events);
            last_work_ms = now_ms();
            break;
        }
    }
    std::lock_guard lock(m_mutex);
    --m_threads;
    // Under the lock: stop() can only see zero and go on after this thread
    // let go of the mutex, and it touches nothing of the engine after that.
    m_ended.notify_all();
}

void HttpServer::Engine::accept_ready()
{
    for (int i = 0; i < k_accepts_per_wake && !m_stopping.load(); ++i) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        int fd = accept4(m_listen_fd, reinterpret_cast<sockaddr*>(&address), &length,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            admit_connection(fd, address);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if ((errno == EMFILE || errno == ENFILE) && m_reserve_fd >= 0) {
            // Out of descriptors: the pending connection would keep the
            // listening socket readable and this thread spinning. The spare
            // descriptor makes room to take it and close it at once.
            ::close(m_reserve_fd);
            int refused = accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (refused >= 0) {
                ::close(refused);
            }
            m_reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            std::lock_guard lock(m_mutex);
            ++m_counters.refused_total;
            continue;
        }
        break; // EAGAIN: nothing more to accept
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.u64 = k_listen_event;
    if (!m_stopping.load()) {
        epoll_ctl(m_epoll_fd, EPOLL_CTL_MOD, m_listen_fd, &event);
    }
}

void HttpServer::Engine::admit_connection(int fd, const sockaddr_storage& address)
{
    int port = -1;
    std::string ip = address_text(address, port);
    bool full = false;
    bool address_full = false;
    {
        std::lock_guard lock(m_mutex);
        full = m_connections.size() >= m_connections_max;
        auto from_address = m_untrusted_per_address.find(ip);
        address_full = from_address != m_untrusted_per_address.end()
                       && from_address->second >= m_options.connections_per_address_max;
    }
    // At a cap the newcomer gets in and the longest-waiting idle or slow
    // connection goes: whoever holds connections open cannot lock out a
    // client that comes to send a request (the proxy's next connection to
    // a leader shares 127.0.0.1 with everything else on a laptop).
    if ((address_full && !evict_one(ip)) || (full && !evict_one(""))) {
        ::close(fd);
        std::lock_guard lock(m_mutex);
        ++m_counters.refused_total;
        return;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto connection = std::make_shared<ServerConnection>();
    connection->fd = fd;
    connection->remote_ip = ip;
    connection->remote_port = port;
    // Whole before the sweeper or the evictor can see it in the table.
    std::lock_guard owner(connection->mutex);
    wait_for_request(*connection);
    if (m_tls) {
        connection->ssl = SSL_new(m_tls.get());
        if (connection->ssl == nullptr || SSL_set_fd(connection->ssl, fd) != 1) {
            SSL_free(connection->ssl);
            ::close(fd);
            return;
        }
        SSL_set_accept_state(connection->ssl);
        // The handshake has the head's deadline: a client that opens a
        // connection and never finishes it is a slow client like any other.
        connection->phase.store(Phase::handshake);
        connection->deadline_ms.store(now_ms() + m_options.head_timeout.count());
    }
    {
        std::lock_guard lock(m_mutex);
        std::size_t& from_address = m_untrusted_per_address[ip];
        if (from_address >= m_options.connections_per_address_max) {
            SSL_free(connection->ssl);
            ::close(fd);
            ++m_counters.refused_total;
            return;
        }
        ++from_address;
        connection->id = m_next_id++;
        m_connections.emplace(connection->id, connection);
        ++m_counters.accepted_total;
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.u64 = connection->id;
    if (epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
        close_connection(*connection);
    }
}

bool HttpServer::Engine::evict_one(const std::string& address)
{
    // Oldest first among the untrusted connections that wait for a request
    // (idle, or sending a head slowly): they are what an attacker holds.
    std::vector<ConnectionPtr> candidates;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [id, connection] : m_connections) {
            Phase phase = connection->phase.load();
            bool waiting = phase == Phase::head || phase == Phase::handshake;
            if (!connection->trusted.load() && waiting
                && (address.empty() || connection->remote_ip == address)) {
                candidates.push_back(connection);
            }
        }
    }
    // The oldest few: one that is busy this very moment is skipped.
    const std::size_t tried = std::min<std::size_t>(candidates.size(), 4);
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(tried),
                      candidates.end(), [](const ConnectionPtr& a, const ConnectionPtr& b) {
                          return a->waiting_since_ms.load() < b->waiting_since_ms.load();
                      });
    candidates.resize(tried);
    for (const ConnectionPtr& candidate : candidates) {
        std::unique_lock owner(candidate->mutex, std::try_to_lock);
        Phase phase = candidate->phase.load();
        if (owner.owns_lock() && (phase == Phase::head || phase == Phase::handshake)
            && !candidate->trusted.load()) {
            close_connection(*candidate);
            std::lock_guard lock(m_mutex);
            ++m_counters.evicted_total;
            return true;
        }
    }
    return false;
}

void HttpServer::Engine::sweep()
{
    std::uint64_t expirations = 0;
    (void)::read(m_timer_fd, &expirations, sizeof expirations);
    const std::int64_t now = now_ms();
    std::vector<ConnectionPtr> expired;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [id, connection] : m_connections) {
            Phase phase = connection->phase.load();
            bool timed = phase == Phase::head || phase == Phase::body || phase == Phase::writing
                         || phase == Phase::draining || phase == Phase::handshake;
            if (timed && connection->deadline_ms.load() <= now) {
                expired.push_back(connection);
            }
        }
    }
    for (const ConnectionPtr& connection : expired) {
        std::unique_lock owner(connection->mutex, std::try_to_lock);
        if (!owner.owns_lock() || connection->deadline_ms.load() > now) {
            continue;
        }
        Phase phase = connection->phase.load();
        if (phase == Phase::body || (phase == Phase::head && connection->scanner.started())) {
            // Best effort, never waited for: the client was told nothing else.
            static constexpr std::string_view k_timeout =
                "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            (void)http::write_socket(connection->fd, connection->ssl, k_timeout.data(),
                                     k_timeout.size());
        }
        if (phase == Phase::head || phase == Phase::body || phase == Phase::writing
            || phase == Phase::draining || phase == Phase::handshake) {
            close_connection(*connection);
            std::lock_guard lock(m_mutex);
            ++m_counters.timed_out_total;
        }
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.u64 = k_timer_event;
    if (!m_stopping.load()) {
        epoll_ctl(m_epoll_fd, EPOLL_CTL_MOD, m_timer_fd, &event);
    }
}

ConnectionPtr HttpServer::Engine::find(std::uint64_t id) const
{
    std::lock_guard lock(m_mutex);
    auto found = m_connections.find(id);
    return found == m_connections.end() ? nullptr : found->second;
}

void HttpServer::Engine::connection_ready(std::uint64_t id, std::uint32_t events)
{
    ConnectionPtr connection = find(id);
    if (!connection) {
        return; // closed by the sweeper or the evictor after the event fired
    }
    if ((events & EPOLLERR) != 0) {
        std::lock_guard owner(connection->mutex);
        if (connection->phase.load() != Phase::closed) {
            close_connection(*connection);
        }
        return;
    }
    serve(Turn{connection, false});
}

void HttpServer::Engine::serve(Turn first)
{
    // Handing a freed budget to a queued request gives this thread another
    // connection to serve; a list, not recursion, keeps the stack flat.
    std::vector<Turn> turns{std::move(first)};
    while (!turns.empty()) {
        Turn turn = std::move(turns.back());
        turns.pop_back();
        ServerConnection& connection = *turn.connection;
        std::lock_guard owner(connection.mutex);
        if (connection.phase.load() == Phase::closed) {
            if (turn.holds_budget) {
                // Its queued request will never run; the budget goes on.
                std::optional<Turn> next = release_budget(
                    static_cast<const Route*>(connection.route)->options.work_class);
                if (next) {
                    turns.push_back(std::move(*next));
                }
            }
            continue;
        }
        Wait wait = serve_turn(connection, turn.connection, turn.holds_budget, turns);
        arm(connection, wait);
    }
}

HttpServer::Engine::Wait HttpServer::Engine::serve_turn(ServerConnection& connection,
                                                        const ConnectionPtr& pointer,
                                                        bool holds_budget, std::vector<Turn>& next)
{
    switch (connection.phase.load()) {
    case Phase::writing: {
        Wait wait = flush(connection);
        if (wait != Wait::read || connection.phase.load() == Phase::draining) {
            return wait;
        }
        break; // the client may have sent its next request already
    }
    case Phase::draining: return drain(connection);
    case Phase::handshake: {
        std::string error;
        http::IoState state = http::accept_handshake(connection.ssl, error);
        if (state == http::IoState::want_read || state == http::IoState::want_write) {
            return state == http::IoState::want_read ? Wait::read : Wait::write;
        }
        if (state == http::IoState::closed) {
            spdlog::debug("TLS handshake with {} failed: {}", connection.remote_ip, error);
            close_connection(connection);
            std::lock_guard lock(m_mutex);
            ++m_counters.handshakes_failed_total;
            return Wait::none;
        }
        wait_for_request(connection);
        [[fallthrough]];
    }
    case Phase::head:
    case Phase::body:
        if (!read_some(connection)) {
            return Wait::none;
        }
        break;
    case Phase::queued: RE_ASSERT(holds_budget); break;
    case Phase::handling:
    case Phase::streaming:
    case Phase::closed: RE_ASSERT(false && "a connection served in a phase no event leads to");
    }
    // Each pass answers one request; a client may have sent several.
    while (true) {
        Phase phase = connection.phase.load();
        if (phase == Phase::closed || phase == Phase::streaming) {
            return Wait::none;
        }
        if (phase == Phase::writing) {
            return Wait::write;
        }
        if (phase == Phase::draining) {
            return Wait::read;
        }
        if (phase != Phase::queued) {
            Parse parse = parse_input(connection);
            if (parse == Parse::wait) {
                // TLS may hold decrypted bytes that no event will announce.
                if (http::has_buffered_input(connection.ssl) && read_some(connection)) {
                    continue;
                }
                if (connection.phase.load() == Phase::closed) {
                    return Wait::none;
                }
                return connection.read_wants_write ? Wait::write : Wait::read;
            }
            if (parse == Parse::answered) {
                continue;
            }
        }
        const Route& route = *static_cast<const Route*>(connection.route);
        WorkClass work_class = route.options.work_class;
        if (!holds_budget && !acquire_budget(work_class, pointer)) {
            connection.phase.store(Phase::queued);
            return Wait::none;
        }
        run_handler(connection, pointer);
        holds_budget = false;
        std::optional<Turn> handed = release_budget(work_class);
        if (handed) {
            next.push_back(std::move(*handed));
        }
    }
}

bool HttpServer::Engine::read_some(ServerConnection& connection)
{
    std::size_t wanted = k_read_bytes;
    if (connection.phase.load() == Phase::body) {
        std::size_t need = connection.content_length;
        wanted = need > connection.input.size()
                     ? std::min(k_read_bytes, need - connection.input.size())
                     : 0;
    }
    if (wanted == 0) {
        return true;
    }
    // Read on the stack and keep only what came: a connection's buffer
    // grows with what its client sent, not with what a read could take.
    char buffer[k_read_bytes];
    http::IoOutcome read = http::read_socket(connection.fd, connection.ssl, buffer, wanted);
    connection.read_wants_write = read.state == http::IoState::want_write;
    if (read.state == http::IoState::done) {
        connection.input.append(buffer, read.bytes);
        return true;
    }
    if (read.state != http::IoState::closed) {
        return true;
    }
    // The client closed (or the connection broke): whatever it was sending
    // will not be complete, and there is nobody to answer.
    close_connection(connection);
    return false;
}

HttpServer::Engine::Parse HttpServer::Engine::parse_input(ServerConnection& connection)
{
    if (connection.phase.load() == Phase::head) {
        bool was_started = connection.scanner.started();
        http::HeadScanner::State state = connection.scanner.scan(connection.input, m_limits);
        if (state == http::HeadScanner::State::refused) {
            answer_error(connection, connection.scanner.error().status,
                         connection.scanner.error().message, true, true);
            return Parse::answered;
        }
        if (state == http::HeadScanner::State::incomplete) {
            if (!was_started && connection.scanner.started()) {
                // The head's clock starts with its first byte, not when the
                // connection started waiting.
                connection.deadline_ms.store(now_ms() + m_options.head_timeout.count());
            }
            return Parse::wait;
        }
        Parse parse = head_complete(connection);
        if (parse != Parse::ready) {
            return parse;
        }
    }
    RE_ASSERT(connection.phase.load() == Phase::body);
    std::size_t need = connection.content_length;
    if (connection.input.size() < need) {
        return Parse::wait;
    }
    httplib::Request& request = *connection.request;
    request.body.assign(connection.input, 0, need);
    connection.input.erase(0, need);
    return Parse::ready;
}

HttpServer::Engine::Parse HttpServer::Engine::head_complete(ServerConnection& connection)
{
    const std::size_t head_bytes = connection.scanner.head_bytes();
    http::HeadError error;
    std::optional<http::RequestHead> head = http::parse_head(
        std::string_view(connection.input).substr(0, head_bytes), m_limits, error);
    connection.scanner.reset();
    // What follows the head is its body, or the next request when this one
    // is answered without a body.
    connection.input.erase(0, head_bytes);
    if (!head) {
        answer_error(connection, error.status, error.message, true, true);
        return Parse::answered;
    }
    // Every answer to a HEAD, the server's own errors included, has no body.
    connection.head_only = head->method == "HEAD";
    std::optional<httplib::Params> params = http::parse_query(head->query);
    const bool has_body = head->content_length > 0;
    // A well-formed request answered without reading its body leaves the
    // body in the way of the next request: such a connection closes.
    const bool close = has_body || !head->keep_alive;
    if (!params) {
        answer_error(connection, 400,
                     "the query holds a '%' that is not followed by two hex digits, or %00",
                     close, has_body);
        return Parse::answered;
    }
    auto path = m_routes.find(head->path);
    const std::string method = head->method == "HEAD" ? std::string("GET") : head->method;
    if (path == m_routes.end()) {
        answer_error(connection, 404, "no such endpoint: " + head->method + " " + head->path,
                     close, has_body);
        return Parse::answered;
    }
    auto route = path->second.find(method);
    if (route == path->second.end()) {
        std::string allowed;
        for (const auto& [known, unused] : path->second) {
            allowed += (allowed.empty() ? "" : ", ") + known + (known == "GET" ? ", HEAD" : "");
        }
        httplib::Response response;
        m_render(405, head->method + " is not served on " + head->path + " (only " + allowed + ")",
                 response);
        response.status = 405;
        response.set_header("Allow", allowed);
        answer(connection, response, close, has_body);
        return Parse::answered;
    }
    const Route& chosen = route->second;
    httplib::Request request;
    request.method = head->method;
    request.path = head->path;
    request.target = head->target;
    request.version = head->version;
    request.params = std::move(*params);
    request.remote_addr = connection.remote_ip;
    request.remote_port = connection.remote_port;
    request.local_port = m_port;
    request.headers = std::move(head->headers);
    if (!m_options.trust_header.empty() && !connection.trusted.load()
        && request.has_header(m_options.trust_header.c_str())
        && constant_time_equal(m_options.trust_value,
                               request.get_header_value(m_options.trust_header.c_str()))) {
        mark_trusted(connection);
    }
    // The admit check first: a client it refuses learns nothing of the
    // route, not even its body limit.
    if (chosen.options.admit) {
        httplib::Response refusal;
        if (!chosen.options.admit(request, refusal)) {
            if (refusal.status < 400) {
                m_render(403, "refused", refusal);
            }
            answer(connection, refusal, true, has_body);
            return Parse::answered;
        }
    }
    if (head->content_length > chosen.options.body_bytes_max) {
        answer_error(connection, 413,
                     "the body of " + std::to_string(head->content_length) + " bytes is over the "
                         + std::to_string(chosen.options.body_bytes_max) + "-byte limit of "
                         + head->method + " " + head->path,
                     true, true);
        return Parse::answered;
    }
    connection.route = &chosen;
    connection.request = std::move(request);
    connection.content_length = head->content_length;
    connection.keep_alive = head->keep_alive;
    connection.phase.store(Phase::body);
    connection.deadline_ms.store(now_ms() + m_options.body_timeout.count());
    if (head->expect_continue && has_body
        && connection.input.size() < connection.content_length) {
        static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
        http::IoOutcome sent =
            http::write_socket(connection.fd, connection.ssl, k_continue.data(), k_continue.size());
        if (sent.state != http::IoState::done || sent.bytes != k_continue.size()) {
            // A fresh connection's send buffer takes 25 bytes; one that does
            // not is broken, and half an interim answer would corrupt the
            // framing of the real one.
            close_connection(connection);
            return Parse::answered;
        }
    }
    return Parse::ready;
}

bool HttpServer::Engine::acquire_budget(WorkClass work_class, const ConnectionPtr& connection)
{
    std::lock_guard lock(m_mutex);
    WorkBudget& budget = m_budgets[class_index(work_class)];
    if (budget.running >= budget.limit) {
        budget.queue.push_back(connection);
        return false;
    }
    ++budget.running;
    // The handler may wait (a move waits for its commit): someone else must
    // be watching the epoll set meanwhile.
    if (m_waiting == 0 && m_threads < m_threads_max && !m_stopping.load()) {
        add_thread_locked();
    }
    return true;
}

std::optional<HttpServer::Engine::Turn> HttpServer::Engine::release_budget(WorkClass work_class)
{
    std::lock_guard lock(m_mutex);
    WorkBudget& budget = m_budgets[class_index(work_class)];
    RE_ASSERT(budget.running > 0);
    if (budget.queue.empty()) {
        --budget.running;
        return std::nullopt;
    }
    // The budget passes to the oldest queued request without being freed,
    // so a newcomer cannot overtake it.
    Turn turn{std::move(budget.queue.front()), true};
    budget.queue.pop_front();
    return turn;
}

void HttpServer::Engine::run_handler(ServerConnection& connection, const ConnectionPtr& pointer)
{
    const Route& route = *static_cast<const Route*>(connection.route);
    connection.phase.store(Phase::handling);
    auto response = std::make_unique<httplib::Response>();
    httplib::Request& request = *connection.request;
    try {
        route.handler(request, *response);
    } catch (const std::exception& exception) {
        // The detail is for the operator's log; the client learns only that
        // the fault is the server's.
        spdlog::error("{} {} failed: {}", request.method, request.path, exception.what());
        response = std::make_unique<httplib::Response>();
        m_render(500, "internal error (the server's log has the detail)", *response);
        response->status = 500;
    } catch (...) {
        spdlog::error("{} {} failed: unknown exception", request.method, request.path);
        response = std::make_unique<httplib::Response>();
        m_render(500, "internal error (the server's log has the detail)", *response);
        response->status = 500;
    }
    if (response->status < 100) {
        response->status = 200;
    }
    {
        std::lock_guard lock(m_mutex);
        ++m_counters.requests_total;
    }
    const bool keep_alive = connection.keep_alive;
    if (response->content_provider_ && !connection.head_only) {
        RE_ASSERT(response->is_chunked_content_provider_ && "only chunked streams are served");
        start_stream(connection, pointer, std::move(response));
        return;
    }
    answer(connection, *response, !keep_alive, false);
}

void HttpServer::Engine::answer(ServerConnection& connection, const httplib::Response& response,
                                bool close, bool linger)
{
    http::ResponseFraming framing;
    framing.close = close || m_stopping.load();
    framing.head_only = connection.head_only;
    connection.output = http::response_text(response, framing);
    connection.output_sent = 0;
    connection.close_after_write = framing.close;
    connection.linger_after_write = linger;
    connection.request.reset();
    connection.head_only = false;
    connection.phase.store(Phase::writing);
    connection.deadline_ms.store(now_ms() + m_options.write_timeout.count());
    flush(connection);
}

void HttpServer::Engine::answer_error(ServerConnection& connection, int status,
                                      const std::string& message, bool close, bool linger)
{
    httplib::Response response;
    m_render(status, message, response);
    response.status = status;
    answer(connection, response, close, linger);
}

HttpServer::Engine::Wait HttpServer::Engine::flush(ServerConnection& connection)
{
    RE_ASSERT(connection.phase.load() == Phase::writing);
    while (connection.output_sent < connection.output.size()) {
        http::IoOutcome sent = http::write_socket(
            connection.fd, connection.ssl, connection.output.data() + connection.output_sent,
            connection.output.size() - connection.output_sent);
        if (sent.state == http::IoState::done) {
            connection.output_sent += sent.bytes;
            continue;
        }
        if (sent.state != http::IoState::closed) {
            return sent.state == http::IoState::want_read ? Wait::read : Wait::write;
        }
        close_connection(connection);
        return Wait::none;
    }
    connection.output_sent = 0;
    // A large answer (a long /logs) must not stay allocated while the
    // connection idles.
    if (connection.output.capacity() > k_read_bytes) {
        std::string().swap(connection.output);
    }
    connection.output.clear();
    return after_response(connection);
}

HttpServer::Engine::Wait HttpServer::Engine::after_response(ServerConnection& connection)
{
    ++connection.requests_served;
    if (!connection.close_after_write) {
        wait_for_request(connection);
        return Wait::read;
    }
    if (!connection.linger_after_write || connection.ssl != nullptr) {
        if (connection.ssl != nullptr) {
            (void)SSL_shutdown(connection.ssl); // close_notify, best effort
        }
        close_connection(connection);
        return Wait::none;
    }
    ::shutdown(connection.fd, SHUT_WR);
    connection.input.clear();
    connection.phase.store(Phase::draining);
    connection.deadline_ms.store(now_ms() + k_linger_time.count());
    return Wait::read;
}

HttpServer::Engine::Wait HttpServer::Engine::drain(ServerConnection& connection)
{
    char scratch[16 * 1024];
    ssize_t got = ::recv(connection.fd, scratch, sizeof scratch, 0);
    if (got > 0) {
        connection.drained_bytes += static_cast<std::uint64_t>(got);
        if (connection.drained_bytes <= k_linger_bytes_max) {
            return Wait::read;
        }
    } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return Wait::read;
    }
    close_connection(connection);
    return Wait::none;
}

void HttpServer::Engine::start_stream(ServerConnection& connection, const ConnectionPtr& pointer,
                                      std::unique_ptr<httplib::Response> response)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_streams < m_options.streams_max && !m_stopping.load()) {
            ++m_streams;
        } else {
            response.reset(); // lets the provider release what it holds
            httplib::Response busy;
            m_render(503, "too many streams are open; retry later", busy);
            busy.status = 503;
            answer(connection, busy, true, false);
            return;
        }
    }
    // The stream thread writes with blocking calls; the epoll set no longer
    // watches the socket.
    epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, connection.fd, nullptr);
    connection.phase.store(Phase::streaming);
    connection.request.reset();
    try {
        std::thread([this, pointer, stream = std::move(response)]() mutable {
            stream_main(std::move(pointer), std::move(stream));
        }).detach();
    } catch (const std::system_error&) {
        std::lock_guard lock(m_mutex);
        --m_streams;
        m_ended.notify_all();
        close_connection(connection);
    }
}

void HttpServer::Engine::stream_main(ConnectionPtr connection,
                                     std::unique_ptr<httplib::Response> response)
{
    name_this_thread(m_options.thread_name + "-stream");
    const int fd = connection->fd;
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval timeout{};
    timeout.tv_sec = static_cast<time_t>(m_options.write_timeout.count() / 1000);
    timeout.tv_usec = static_cast<suseconds_t>((m_options.write_timeout.count() % 1000) * 1000);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    bool writable = true;
    SSL* ssl = connection->ssl;
    auto send_all = [fd, ssl, &writable](std::string_view text) {
        while (writable && !text.empty()) {
            // The socket blocks now: anything but progress is a broken or
            // timed-out stream.
            http::IoOutcome sent = http::write_socket(fd, ssl, text.data(), text.size());
            if (sent.state != http::IoState::done) {
                writable = false;
                break;
            }
            text.remove_prefix(sent.bytes);
        }
        return writable;
    };
    http::ResponseFraming framing;
    framing.chunked = true;
    framing.close = true;
    send_all(http::response_text(*response, framing));
    std::size_t offset = 0;
    bool done = false;
    httplib::DataSink sink;
    sink.write = [&](const char* data, std::size_t length) {
        if (length > 0 && send_all(http::chunk_text(std::string_view(data, length)))) {
            offset += length;
        }
        return writable;
    };
    sink.done = [&] {
        if (!done) {
            send_all(http::chunk_text({}));
        }
        done = true;
    };
    sink.is_writable = [&] { return writable && !m_stopping.load(); };
    try {
        while (writable && !done && !m_stopping.load()) {
            if (!response->content_provider_(offset, 0, sink)) {
                break;
            }
        }
    } catch (const std::exception& exception) {
        spdlog::error("a streamed response failed: {}", exception.what());
    }
    response->content_provider_success_ = done;
    response.reset();
    {
        std::lock_guard owner(connection->mutex);
        close_connection(*connection);
    }
    std::lock_guard lock(m_mutex);
    --m_streams;
    m_ended.notify_all();
}

void HttpServer::Engine::arm(ServerConnection& connection, Wait wait)
{
    if (wait == Wait::none || connection.phase.load() == Phase::closed) {
        return;
    }
    epoll_event event{};
    event.events = (wait == Wait::write ? EPOLLOUT : EPOLLIN | EPOLLRDHUP) | EPOLLONESHOT;
    event.data.u64 = connection.id;
    if (epoll_ctl(m_epoll_fd, EPOLL_CTL_MOD, connection.fd, &event) != 0) {
        close_connection(connection);
    }
}

void HttpServer::Engine::wait_for_request(ServerConnection& connection)
{
    const std::int64_t now = now_ms();
    const std::chrono::milliseconds idle =
        connection.trusted.load() ? m_options.trusted_idle_timeout : m_options.idle_timeout;
    connection.phase.store(Phase::head);
    connection.deadline_ms.store(now + idle.count());
    connection.waiting_since_ms.store(now);
    connection.route = nullptr;
    if (connection.input.empty() && connection.input.capacity() > k_read_bytes) {
        std::string().swap(connection.input);
    }
}

void HttpServer::Engine::mark_trusted(ServerConnection& connection)
{
    connection.trusted.store(true);
    std::lock_guard lock(m_mutex);
    ++m_trusted;
    auto from_address = m_untrusted_per_address.find(connection.remote_ip);
    RE_ASSERT(from_address != m_untrusted_per_address.end() && from_address->second > 0);
    if (--from_address->second == 0) {
        m_untrusted_per_address.erase(from_address);
    }
}

void HttpServer::Engine::close_connection(ServerConnection& connection)
{
    RE_ASSERT(connection.phase.load() != Phase::closed);
    {
        std::lock_guard lock(m_mutex);
        m_connections.erase(connection.id);
        if (connection.trusted.load()) {
            --m_trusted;
        } else {
            auto from_address = m_untrusted_per_address.find(connection.remote_ip);
            RE_ASSERT(from_address != m_untrusted_per_address.end() && from_address->second > 0);
            if (--from_address->second == 0) {
                m_untrusted_per_address.erase(from_address);
            }
        }
    }
    connection.phase.store(Phase::closed);
    // Out of the set before the descriptor's number can be reused.
    epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, connection.fd, nullptr);
    if (connection.ssl != nullptr) {
        SSL_free(connection.ssl);
        connection.ssl = nullptr;
    }
    ::close(connection.fd);
    connection.fd = -1;
    connection.input.clear();
    connection.output.clear();
    connection.request.reset();
}

void HttpServer::Engine::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_started || m_stopping.load()) {
            return;
        }
        m_stopping.store(true);
    }
    epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, m_listen_fd, nullptr);
    std::uint64_t one = 1;
    (void)::write(m_wake_fd, &one, sizeof one);
    std::unique_lock lock(m_mutex);
    m_ended.wait(lock, [this] { return m_threads == 0; });
    // No thread serves connections any more; streams end once their writes
    // fail, which shutting their sockets makes happen at once.
    for (const auto& [id, connection] : m_connections) {
        if (connection->phase.load() == Phase::streaming) {
            ::shutdown(connection->fd, SHUT_RDWR);
        }
    }
    m_ended.wait(lock, [this] { return m_streams == 0; });
    std::vector<ConnectionPtr> rest;
    for (const auto& [id, connection] : m_connections) {
        rest.push_back(connection);
    }
    for (WorkBudget& budget : m_budgets) {
        budget.queue.clear();
    }
    lock.unlock();
    for (const ConnectionPtr& connection : rest) {
        std::lock_guard owner(connection->mutex);
        if (connection->phase.load() != Phase::closed) {
            close_connection(*connection);
        }
    }
}

HttpServerStats HttpServer::Engine::stats() const
{
    std::lock_guard lock(m_mutex);
    HttpServerStats stats = m_counters;
    stats.connections = m_connections.size();
    stats.trusted_connections = m_trusted;
    stats.threads = m_threads;
    stats.streams = m_streams;
    return stats;
}

HttpServer::HttpServer(HttpServerOptions options)
    : m_engine(std::make_unique<Engine>(std::move(options)))
{ }

HttpServer::~HttpServer() = default;

void HttpServer::Get(const std::string& path, HttpHandler handler, RouteOptions options)
{
    m_engine->add_route("GET", path, std::move(handler), std::move(options));
}

void HttpServer::Post(const std::string& path, HttpHandler handler, RouteOptions options)
{
    m_engine->add_route("POST", path, std::move(handler), std::move(options));
}

util::Status HttpServer::enable_tls(const TlsFiles& files, bool require_client_certificate)
{
    return m_engine->enable_tls(files, require_client_certificate);
}

void HttpServer::set_error_renderer(ErrorRenderer renderer)
{
    RE_ASSERT(renderer);
    m_engine->set_error_renderer(std::move(renderer));
}

bool HttpServer::bind(const std::string& host, std::uint16_t port)
{
    return m_engine->bind(host, port);
}

std::uint16_t HttpServer::port() const { return m_engine->port(); }

void HttpServer::start() { m_engine->start(); }

void HttpServer::stop() { m_engine->stop(); }

HttpServerStats HttpServer::stats() const { return m_engine->stats(); }

} // namespace raftescort::transport
