#pragma once

// Helpers for the HTTP transport tests: a real raftescort HTTP server on an
// ephemeral 127.0.0.1 port, polling with a deadline instead of sleeping,
// and a loopback port where nothing listens.

#include <raftescort/transport/codec.hpp>
#include <raftescort/transport/http_server.hpp>

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

/// The route options of a stand-in for a peer's Raft endpoint: its body
/// limit and work class.
inline raftescort::transport::RouteOptions raft_route()
{
    raftescort::transport::RouteOptions options;
    options.body_bytes_max = raftescort::transport::DecodeLimits{}.body_bytes_max;
    options.work_class = raftescort::transport::WorkClass::peer;
    return options;
}

class TestServer {
public:
    using Setup = std::function<void(raftescort::transport::HttpServer&)>;

    /// `setup` installs routes before the server listens.
    explicit TestServer(const Setup& setup, raftescort::transport::HttpServerOptions options = {})
        : m_server(std::move(options))
    {
        setup(m_server);
        REQUIRE(m_server.bind("127.0.0.1", 0));
        m_server.start();
        m_port = m_server.port();
    }
    ~TestServer() { m_server.stop(); }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    int port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    raftescort::transport::HttpServer& server() { return m_server; }

private:
    raftescort::transport::HttpServer m_server;
    int m_port = 0;
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
