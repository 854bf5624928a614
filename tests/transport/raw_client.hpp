#pragma once

// A client that speaks raw bytes to a server on loopback, for tests that
// must send what no well-behaved HTTP library would: half a head, a byte a
// second, two requests in one write, a body that never comes.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace http_test {

class RawClient {
public:
    /// Connects to 127.0.0.1:port; connected() tells whether it worked.
    explicit RawClient(int port, const char* host = "127.0.0.1")
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        int yes = 1;
        setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        inet_pton(AF_INET, host, &address.sin_addr);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~RawClient()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return m_connected; }

    /// False when the server has closed or reset the connection.
    bool send(const std::string& bytes)
    {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            ssize_t n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    /// Reads until `predicate(received)` holds, the server closes, or
    /// `timeout` passes; returns everything received so far.
    template <typename Predicate>
    std::string read_until(Predicate predicate, std::chrono::milliseconds timeout)
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!predicate(m_received) && !m_closed) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                break;
            }
            pollfd waiting{m_fd, POLLIN, 0};
            if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            char buffer[16384];
            ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                m_closed = true;
                break;
            }
            m_received.append(buffer, static_cast<std::size_t>(n));
        }
        return m_received;
    }

    /// Reads one whole response (head and Content-Length body).
    std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(3))
    {
        read_until([](const std::string& text) { return response_length(text) > 0; }, timeout);
        std::size_t length = response_length(m_received);
        std::string response = m_received.substr(0, length == 0 ? m_received.size() : length);
        m_received.erase(0, response.size());
        return response;
    }

    /// Waits for the server to close the connection; true if it did.
    bool closed_within(std::chrono::milliseconds timeout)
    {
        read_until([](const std::string&) { return false; }, timeout);
        return m_closed;
    }

    static int status_of(const std::string& response)
    {
        if (response.size() < 12 || response.compare(0, 9, "HTTP/1.1 ") != 0) {
            return 0;
        }
        return std::stoi(response.substr(9, 3));
    }

    static std::string body_of(const std::string& response)
    {
        std::size_t end = response.find("\r\n\r\n");
        return end == std::string::npos ? std::string() : response.substr(end + 4);
    }

private:
    /// The length of the first complete response in `text`, or 0.
    static std::size_t response_length(const std::string& text)
    {
        std::size_t end = text.find("\r\n\r\n");
        if (end == std::string::npos) {
            return 0;
        }
        std::size_t length = 0;
        std::size_t header = text.find("Content-Length: ");
        if (header != std::string::npos && header < end) {
            length = std::stoul(text.substr(header + 16));
        }
        std::size_t total = end + 4 + length;
        return text.size() >= total ? total : 0;
    }

    int m_fd = -1;
    bool m_connected = false;
    bool m_closed = false;
    std::string m_received;
};

} // namespace http_test
