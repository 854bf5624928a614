// The HTTP server: its facade, start, the threads, stop (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <thread>

namespace raftescort::transport {

using namespace http;

namespace {

void default_error_renderer(int status, const std::string& message, httplib::Response& response)
{
    response.status = status;
    response.set_content(json_text(nlohmann::json{{"error", message}}), "application/json");
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

HttpServer::Engine::Engine(HttpServerOptions options)
    : m_options(std::move(options)), m_limits{m_options.request_line_bytes_max,
                                              m_options.header_line_bytes_max,
                                              m_options.header_count_max, m_options.head_bytes_max},
      m_threads_max(m_options.api_threads_max + m_options.peer_threads_max + 2)
{
    m_render = default_error_renderer;
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
        throw std::system_error(errno, std::generic_category(),
                                "cannot create the server's epoll set");
    }
    std::size_t files = open_files_limit();
    m_connections_max =
        std::min(m_options.connections_max,
                 files > 2 * k_descriptors_reserved ? files - k_descriptors_reserved : files / 2);
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
        int fd =
            ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
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

ConnectionPtr HttpServer::Engine::find(std::uint64_t id) const
{
    std::lock_guard lock(m_mutex);
    auto found = m_connections.find(id);
    return found == m_connections.end() ? nullptr : found->second;
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
