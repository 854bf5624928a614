// Accepting connections, the connection caps, eviction and deadlines
// (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include "transport/http/socket_io.hpp"

#include <raftescort/util/assert.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

namespace raftescort::transport {

using namespace http;

std::string http::address_text(const sockaddr_storage& address, int& port)
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

} // namespace raftescort::transport
