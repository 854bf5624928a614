#pragma once

// Helpers for the HTTP transport tests: a real cpp-httplib server on an
// ephemeral 127.0.0.1 port, polling with a deadline instead of sleeping,
// and a loopback port where nothing listens.
//
// A server must outlive every client connected to it: Server::stop() only
// ends a keep-alive connection when its client closes it (or after the
// keep-alive timeout), so declare the server before its clients.

#include <httplib.h>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace http_test {

using namespace std::chrono_literals;

/// Polls `predicate` every millisecond until it holds or `timeout` passes;
/// returns its last value.
template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds timeout = 3000ms)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return predicate();
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

class TestServer {
public:
    /// `setup` installs routes and settings before the server listens.
    explicit TestServer(const std::function<void(httplib::Server&)>& setup)
    {
        setup(m_server);
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        REQUIRE(wait_until([this] { return m_server.is_running(); }));
    }
    ~TestServer()
    {
        m_server.stop();
        m_thread.join();
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    int port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

private:
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
};

/// A loopback port that was free a moment ago and has no listener: connects
/// to it are refused at once.
inline int unused_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

} // namespace http_test
