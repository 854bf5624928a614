// Writing answers, keep-alive, lingering and closing (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include "transport/http/response_text.hpp"
#include "transport/http/socket_io.hpp"

#include <raftescort/util/assert.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace raftescort::transport {

using namespace http;

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

} // namespace raftescort::transport
