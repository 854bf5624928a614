#pragma once

// An in-process stand-in for the proxy, for ctl's unit tests: a real
// cpp-httplib server on an ephemeral 127.0.0.1 port that answers each
// "METHOD /path" with the status and body the test set (404 otherwise, as
// the proxy does), and records every request it received.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace raftescort::ctl::testing {

using nlohmann::json;

/// The proxy's envelope around `data`.
inline std::string envelope(const json& data, const std::string& message = "")
{
    return json{{"status", "OK"}, {"data", data}, {"message", message}}.dump();
}

/// An error envelope as the proxy sends with a 4xx or 5xx.
inline std::string error_envelope(int status, const std::string& message)
{
    return json{{"status", std::to_string(status)}, {"data", nullptr}, {"message", message}}.dump();
}

struct FakeRequest {
    std::string method;
    /// The path and, if any, "?" and the query as the server decoded it.
    std::string target;
    std::string body;
    std::string authorization;
    std::string user_agent;
};

/// A canned answer: every request of one route gets the next answer, the
/// last one repeating.
struct FakeReply {
    int status = 200;
    std::string body;
};

class FakeProxy {
public:
    FakeProxy()
    {
        const auto handle = [this](const httplib::Request& request, httplib::Response& response) {
            answer(request, response);
        };
        m_server.Get(R"(/.*)", handle);
        m_server.Post(R"(/.*)", handle);
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (!m_server.is_running() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        REQUIRE(m_server.is_running());
    }
    ~FakeProxy()
    {
        m_server.stop();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    FakeProxy(const FakeProxy&) = delete;
    FakeProxy& operator=(const FakeProxy&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    int port() const { return m_port; }

    /// Answers "METHOD path" (query not included) with these replies in turn.
    void set(const std::string& method, const std::string& path, std::vector<FakeReply> replies)
    {
        REQUIRE(!replies.empty());
        std::lock_guard lock(m_mutex);
        m_replies[method + " " + path] = std::move(replies);
        m_served[method + " " + path] = 0;
    }
    /// Answers "GET path" with 200 and the envelope of `data`.
    void set_data(const std::string& path, const json& data)
    {
        set("GET", path, {FakeReply{200, envelope(data)}});
    }

    std::vector<FakeRequest> requests()
    {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }

private:
    void answer(const httplib::Request& request, httplib::Response& response)
    {
        FakeRequest seen{request.method, request.path, request.body,
                         request.get_header_value("Authorization"),
                         request.get_header_value("User-Agent")};
        std::string query;
        for (const auto& [name, value] : request.params) {
            query += (query.empty() ? "?" : "&") + name + "=" + value;
        }
        seen.target += query;
        std::lock_guard lock(m_mutex);
        m_requests.push_back(seen);
        const auto found = m_replies.find(request.method + " " + request.path);
        if (found == m_replies.end()) {
            response.status = 404;
            response.set_content(error_envelope(404, "no route " + request.path),
                                 "application/json");
            return;
        }
        std::size_t& served = m_served[found->first];
        const FakeReply& reply = found->second[std::min(served, found->second.size() - 1)];
        served += 1;
        response.status = reply.status;
        response.set_content(reply.body, "application/json");
    }

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::mutex m_mutex;
    std::map<std::string, std::vector<FakeReply>> m_replies;
    std::map<std::string, std::size_t> m_served;
    std::vector<FakeRequest> m_requests;
};

/// A 127.0.0.1 port that nothing listens on: bound without listen(), then
/// closed, so a connection to it is refused at once.
inline int closed_port()
{
    const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(socket >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    const bool bound =
        ::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0
        && ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(socket);
    REQUIRE(bound);
    return ntohs(address.sin_port);
}

} // namespace raftescort::ctl::testing
