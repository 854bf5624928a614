#pragma once

// A real `raftescort proxy` process in front of a LocalCluster, for the
// proxy's integration tests: started with posix_spawn like the nodes, on
// 127.0.0.1 at a port that stays the same across restarts, its stderr in
// proxy.log in the cluster's temp dir. Stopped by PID only; a clean stop
// (SIGTERM: exit 0, promptly) is checked by stop(). When the test fails the
// destructor prints the tail of the proxy's log.
//
// Also an event-stream reader (GET /events) that collects what arrives on
// a thread of its own, and the envelope check every JSON answer must pass.

#include "integration/local_cluster.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace raftescort::integration {

/// How long the proxy may take to exit after SIGTERM (the contract: < 2 s).
inline constexpr Milliseconds k_proxy_stop_limit{2000};

class ProxyProcess {
public:
    explicit ProxyProcess(LocalCluster& cluster, std::vector<std::string> extra_arguments = {})
        : m_cluster(cluster), m_port(find_free_port_on("127.0.0.1")),
          m_log_path(cluster.temp_path() + "/proxy.log"),
          m_extra_arguments(std::move(extra_arguments)), m_failures_at_start(failed_assertions())
    { }
    ~ProxyProcess()
    {
        m_process.force_kill();
        if (std::uncaught_exceptions() > 0 || failed_assertions() > m_failures_at_start) {
            std::cerr << "==== proxy at 127.0.0.1:" << m_port << ": last 40 lines of " << m_log_path
                      << " ====\n"
                      << file_tail(m_log_path, 40) << std::flush;
        }
    }
    ProxyProcess(const ProxyProcess&) = delete;
    ProxyProcess& operator=(const ProxyProcess&) = delete;

    std::uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    const std::string& log_path() const { return m_log_path; }
    ChildProcess& process() { return m_process; }

    void start()
    {
        {
            std::ofstream log(m_log_path, std::ios::app);
            log << "==== integration test: starting the proxy (run " << ++m_runs << ") ====\n";
        }
        std::vector<std::string> argv = {RAFTESCORT_BINARY,
                                         "proxy",
                                         "--listen",
                                         address(),
                                         "--redis",
                                         m_cluster.redis().url(),
                                         "--cluster",
                                         m_cluster.options().name,
                                         "--admin-token-file",
                                         m_cluster.admin_token_path(),
                                         "--log-level",
                                         "debug"};
        argv.insert(argv.end(), m_extra_arguments.begin(), m_extra_arguments.end());
        m_process.start(argv, m_log_path, m_log_path);
    }

    /// Waits until GET /status answers 200 and the proxy has learned the
    /// cluster token from Redis (a change with a bad body is then a 400,
    /// not a 503); fails at once if the process exits.
    void wait_until_serving(Milliseconds timeout = Milliseconds(10000))
    {
        NodeClient client("127.0.0.1", m_port);
        bool serving = poll_until(timeout, [&] {
            return !m_process.alive()
                   || (client.get("/status").status == 200
                       && client.post("/mission", {{"action", "probe"}}).status == 400);
        });
        INFO("proxy log tail:\n" << file_tail(m_log_path, 20));
        REQUIRE(m_process.alive());
        REQUIRE(serving);
    }

    /// SIGKILL: the crash fault.
    ExitStatus kill() { return m_process.kill_and_reap(); }

    /// SIGTERM; checks the clean, prompt exit the contract promises.
    void stop()
    {
        const auto stopping_at = Clock::now();
        ExitStatus status = m_process.terminate(Milliseconds(5000));
        const std::int64_t took_ms = milliseconds_since(stopping_at);
        INFO("proxy " << status.describe() << " " << took_ms << " ms after SIGTERM; log tail:\n"
                      << file_tail(m_log_path, 20));
        CHECK(status.clean());
        CHECK(took_ms < k_proxy_stop_limit.count());
    }

private:
    LocalCluster& m_cluster;
    std::uint16_t m_port;
    std::string m_log_path;
    std::vector<std::string> m_extra_arguments;
    std::uint64_t m_failures_at_start;
    int m_runs = 0;
    ChildProcess m_process;
};

/// Checks the envelope of a JSON answer and returns its data.
inline nlohmann::json envelope_data(const HttpReply& reply, int status)
{
    INFO(reply.describe());
    REQUIRE(reply.status == status);
    REQUIRE(reply.json.is_object());
    CHECK(reply.json.size() == 3);
    CHECK(reply.json.value("status", "") == (status == 200 ? "OK" : std::to_string(status)));
    CHECK(reply.json.contains("data"));
    CHECK(reply.json.contains("message"));
    if (status != 200) {
        CHECK(reply.json["data"].is_null());
        CHECK(reply.json["message"].is_string());
    }
    return reply.json["data"];
}

/// GET /events on a thread of its own; collects every event.
class EventStreamReader {
public:
    struct Event {
        std::string name;
        nlohmann::json data;
    };

    explicit EventStreamReader(std::uint16_t port)
        : m_client(std::make_unique<httplib::Client>("127.0.0.1", port))
    {
        m_client->set_read_timeout(std::chrono::seconds(30));
        m_thread = std::thread([this] {
            m_client->Get("/events", [this](const char* data, std::size_t length) {
                std::lock_guard lock(m_mutex);
                m_text.append(data, length);
                parse_locked();
                return !m_stopping;
            });
            m_ended = true;
        });
    }
    ~EventStreamReader()
    {
        m_stopping = true;
        m_client->stop();
        m_thread.join();
    }
    EventStreamReader(const EventStreamReader&) = delete;
    EventStreamReader& operator=(const EventStreamReader&) = delete;

    std::vector<Event> events()
    {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    /// The stream ended (the server closed it).
    bool ended() const { return m_ended.load(); }

    /// Waits for an event named `name` for which `predicate(data)` holds.
    template <typename Predicate>
    std::optional<Event> wait_for(const std::string& name, Milliseconds timeout,
                                  Predicate predicate)
    {
        std::optional<Event> found;
        poll_until(timeout, [&] {
            for (const Event& event : events()) {
                if (event.name == name && predicate(event.data)) {
                    found = event;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

private:
    /// Splits complete "event: X\ndata: Y\n\n" blocks off the text.
    void parse_locked()
    {
        std::size_t end = 0;
        while ((end = m_text.find("\n\n")) != std::string::npos) {
            std::string block = m_text.substr(0, end);
            m_text.erase(0, end + 2);
            Event event;
            std::size_t start = 0;
            while (start < block.size()) {
                std::size_t line_end = block.find('\n', start);
                if (line_end == std::string::npos) {
                    line_end = block.size();
                }
                std::string line = block.substr(start, line_end - start);
                if (line.rfind("event: ", 0) == 0) {
                    event.name = line.substr(7);
                } else if (line.rfind("data: ", 0) == 0) {
                    event.data = nlohmann::json::parse(line.substr(6), nullptr, false);
                }
                start = line_end + 1;
            }
            if (!event.name.empty()) {
                m_events.push_back(std::move(event));
            }
        }
    }

    std::unique_ptr<httplib::Client> m_client;
    std::mutex m_mutex;
    std::string m_text;
    std::vector<Event> m_events;
    std::atomic<bool> m_stopping{false};
    std::atomic<bool> m_ended{false};
    std::thread m_thread;
};

} // namespace raftescort::integration
