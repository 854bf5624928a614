#pragma once

// In-process stand-ins for raftescort nodes, for the proxy's unit tests.
//
// FakeNode is a real cpp-httplib server on an ephemeral 127.0.0.1 port that
// answers GET /status with whatever JSON the test sets, and POST requests
// with a handler the test installs (recording every body it received).
// CrashingNode speaks just enough HTTP over a raw socket to answer /status,
// and on POST reads the request, records it and closes the connection
// without an answer: a leader that dies mid-request.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace raftescort::proxy::testing {

using nlohmann::json;
using namespace std::chrono_literals;

/// Polls `predicate` every 5 ms until it holds or `timeout` passes.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 3000ms)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return predicate();
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// A /status body with the fields the proxy reads.
inline json status_body(std::uint64_t id, const std::string& name, const std::string& role,
                        std::uint64_t term, std::uint64_t leader = 0,
                        const std::string& leader_name = "")
{
    return json{
        {"id", id},
        {"name", name},
        {"cluster", "test"},
        {"role", role},
        {"term", term},
        {"leader", leader},
        {"leader_name", leader_name},
        {"commit_index", 10},
        {"applied_index", 10},
        {"last_index", 10},
        {"committed_in_term", role == "leader"},
        {"position", json::array({static_cast<std::int64_t>(id), 0})},
        {"lead", json::array({0, 0})},
        {"mission", {{"target", json::array({100, 0})}, {"running", false}, {"steps_taken", 0}}},
        {"voters", json::array()},
        {"learners", json::array()},
        {"peers", json::array()},
        {"positions", json::array()}};
}

/// What a POST handler answers: a status and a JSON body.
struct FakeAnswer {
    int status = 200;
    json body = json::object();
};

/// The server hands every connection it accepts to its task queue: this
/// one counts them.
class CountingPool : public httplib::ThreadPool {
public:
    CountingPool(std::size_t threads, std::atomic<std::size_t>& accepted)
        : httplib::ThreadPool(threads), m_accepted(accepted)
    { }
    void enqueue(std::function<void()> job) override
    {
        m_accepted.fetch_add(1);
        httplib::ThreadPool::enqueue(std::move(job));
    }

private:
    std::atomic<std::size_t>& m_accepted;
};

/// cpp-httplib's server (a fake needs its regex routes and its per-connection
/// pool to count connections) with a listen backlog wide enough for the
/// proxy's bursts; cpp-httplib 0.11 listens with 5, and the listening socket
/// is a protected member.
class BackloggedServer : public httplib::Server {
public:
    bool widen_listen_backlog(int backlog)
    {
        const socket_t socket = svr_sock_;
        return socket != INVALID_SOCKET && ::listen(socket, backlog) == 0;
    }
};

class FakeNode {
public:
    using PostHandler = std::function<FakeAnswer(const std::string& path, const json& body)>;

    explicit FakeNode(std::uint64_t id) : m_id(id)
    {
        // Enough threads for every keep-alive connection: httplib serves a
        // kept-alive connection on one pool thread until it closes, and the
        // proxy keeps several open to a node, as it does to a real one.
        m_server.new_task_queue = [this] { return new CountingPool(48, m_connections); };
        m_server.set_tcp_nodelay(true);
        m_server.set_keep_alive_timeout(1);
        m_server.Get("/status",
                     [this](const httplib::Request& request, httplib::Response& response) {
                         std::lock_guard lock(m_mutex);
                         m_status_token = request.get_header_value("X-Raftescort-Token");
                         response.set_content(m_status.dump(), "application/json");
                     });
        m_server.Get("/logs", [this](const httplib::Request&, httplib::Response& response) {
            json entries = json::array(
                {json{{"index", 1}, {"term", 1}, {"type", "normal"}, {"command", "move 1 0"}}});
            response.set_content(
                json{{"id", m_id}, {"first_index", 1}, {"applied_index", 1}, {"entries", entries}}
                    .dump(),
                "application/json");
        });
        m_server.Post(
            R"(/.*)", [this](const httplib::Request& request, httplib::Response& response) {
                json body = json::parse(request.body, nullptr, false);
                PostHandler handler;
                {
                    std::lock_guard lock(m_mutex);
                    m_received.emplace_back(request.path, body);
                    m_received_tokens.push_back(request.get_header_value("X-Raftescort-Token"));
                    handler = m_handler;
                }
                FakeAnswer answer = handler ? handler(request.path, body)
                                            : FakeAnswer{404, json{{"error", "no handler"}}};
                response.status = answer.status;
                response.set_content(answer.body.dump(), "application/json");
            });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        REQUIRE(m_server.widen_listen_backlog(128));
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        REQUIRE(eventually([this] { return m_server.is_running(); }));
        set_status(status_body(m_id, address(), "follower", 1));
    }
    ~FakeNode() { stop(); }
    FakeNode(const FakeNode&) = delete;
    FakeNode& operator=(const FakeNode&) = delete;

    std::uint64_t id() const { return m_id; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

    void set_status(json status)
    {
        std::lock_guard lock(m_mutex);
        m_status = std::move(status);
    }
    void set_handler(PostHandler handler)
    {
        std::lock_guard lock(m_mutex);
        m_handler = std::move(handler);
    }
    /// Every POST received: (path, body).
    std::vector<std::pair<std::string, json>> received()
    {
        std::lock_guard lock(m_mutex);
        return m_received;
    }

    /// The cluster token header of every POST received ("" when absent).
    std::vector<std::string> received_tokens()
    {
        std::lock_guard lock(m_mutex);
        return m_received_tokens;
    }

    /// The cluster token header of the latest GET /status ("" when absent).
    std::string status_token()
    {
        std::lock_guard lock(m_mutex);
        return m_status_token;
    }

    /// Connections the node has accepted so far.
    std::size_t connections() const { return m_connections.load(); }

    /// The node dies: its port refuses connections from now on.
    void stop()
    {
        if (m_thread.joinable()) {
            m_server.stop();
            m_thread.join();
        }
    }

private:
    const std::uint64_t m_id;
    std::atomic<std::size_t> m_connections{0};
    BackloggedServer m_server;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    json m_status;
    PostHandler m_handler;
    std::vector<std::pair<std::string, json>> m_received;
    std::vector<std::string> m_received_tokens;
    std::string m_status_token;
};

/// A node that answers GET /status but drops every POST without answering.
class CrashingNode {
public:
    CrashingNode()
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(m_listener >= 0);
        int one = 1;
        ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
        socklen_t length = sizeof(address);
        REQUIRE(::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        m_port = ntohs(address.sin_port);
        REQUIRE(::listen(m_listener, 16) == 0);
        m_thread = std::thread([this] { serve(); });
    }
    ~CrashingNode()
    {
        m_stopping = true;
        m_thread.join();
        ::close(m_listener);
    }
    CrashingNode(const CrashingNode&) = delete;
    CrashingNode& operator=(const CrashingNode&) = delete;

    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    void set_status(json status)
    {
        std::lock_guard lock(m_mutex);
        m_status = std::move(status);
    }
    /// The bodies of the POSTs it dropped.
    std::vector<json> dropped()
    {
        std::lock_guard lock(m_mutex);
        return m_dropped;
    }

private:
    void serve()
    {
        while (!m_stopping) {
            pollfd ready{m_listener, POLLIN, 0};
            if (::poll(&ready, 1, 20) <= 0) {
                continue;
            }
            int connection = ::accept(m_listener, nullptr, nullptr);
            if (connection < 0) {
                continue;
            }
            handle(connection);
            ::close(connection);
        }
    }

    /// One request per connection; "Connection: close" on every answer.
    void handle(int connection)
    {
        std::string request;
        char buffer[4096];
        std::size_t header_end = std::string::npos;
        std::size_t content_length = 0;
        while (true) {
            pollfd ready{connection, POLLIN, 0};
            if (::poll(&ready, 1, 1000) <= 0) {
                return;
            }
            ssize_t count = ::recv(connection, buffer, sizeof(buffer), 0);
            if (count <= 0) {
                return;
            }
            request.append(buffer, static_cast<std::size_t>(count));
            if (header_end == std::string::npos) {
                header_end = request.find("\r\n\r\n");
                if (header_end != std::string::npos) {
                    std::size_t at = request.find("Content-Length: ");
                    if (at != std::string::npos && at < header_end) {
                        content_length = std::stoul(request.substr(at + 16));
                    }
                }
            }
            if (header_end != std::string::npos
                && request.size() >= header_end + 4 + content_length) {
                break;
            }
        }
        if (request.rfind("GET /status", 0) == 0) {
            std::string body;
            {
                std::lock_guard lock(m_mutex);
                body = m_status.dump();
            }
            std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Connection: close\r\nContent-Length: "
                                 + std::to_string(body.size()) + "\r\n\r\n" + body;
            ::send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
            return;
        }
        std::lock_guard lock(m_mutex);
        m_dropped.push_back(json::parse(request.substr(header_end + 4), nullptr, false));
    }

    int m_listener = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
    std::mutex m_mutex;
    json m_status;
    std::vector<json> m_dropped;
};

/// A loopback port with no listener: connections are refused at once.
inline std::string refused_address()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ::close(fd);
    return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

} // namespace raftescort::proxy::testing
