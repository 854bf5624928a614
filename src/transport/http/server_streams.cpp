// Streamed answers (server-sent events): a thread of their own, blocking
// writes (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include "transport/http/response_text.hpp"
#include "transport/http/socket_io.hpp"

#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <system_error>
#include <thread>

namespace raftescort::transport {

using namespace http;

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

} // namespace raftescort::transport
