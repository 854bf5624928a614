#pragma once

// One thread per node that asks GET /status every poll interval over its own
// keep-alive connection, so a node that is down or paused (its polls time
// out) never delays what the proxy learns about the others.

#include <raftescort/transport/tls.hpp>
#include <raftescort/util/result.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace raftescort::proxy {

struct NodePollerOptions {
    std::int64_t poll_interval_ms = 250;
    /// Connect and read timeout of one poll: a node slower than this counts
    /// as unreachable (a healthy node answers /status in well under 1 ms).
    std::int64_t poll_timeout_ms = 300;
    /// Enabled: HTTPS to the node with this certificate (proxy.hpp).
    transport::TlsFiles tls;
    /// The cluster token as the proxy knows it now (empty until learned);
    /// sent on each poll, so a node counts the poll's connection as the
    /// proxy's and never closes it to make room for a client's. May be null.
    std::function<std::string()> cluster_token;
};

class NodePoller {
public:
    /// Called on the poller's thread with each poll's outcome: the /status
    /// body, or why there is none.
    using Callback = std::function<void(std::uint64_t id, const std::string& address,
                                        util::Result<nlohmann::json> answer)>;

    /// Starts polling `address` (host:port) at once.
    NodePoller(std::uint64_t id, std::string address, NodePollerOptions options, Callback callback);
    /// request_stop(), then joins the thread.
    ~NodePoller();
    NodePoller(const NodePoller&) = delete;
    NodePoller& operator=(const NodePoller&) = delete;

    /// Asks the thread to end without waiting for it; cancels a poll in flight.
    void request_stop();
    /// The thread has ended (joining it is then immediate).
    bool finished() const { return m_finished.load(); }
    const std::string& address() const { return m_address; }

private:
    void run();
    util::Result<nlohmann::json> poll_once();

    const std::uint64_t m_id;
    const std::string m_address;
    const NodePollerOptions m_options;
    const Callback m_callback;
    std::unique_ptr<httplib::Client> m_client;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::atomic<bool> m_finished{false};
    std::thread m_thread;
};

} // namespace raftescort::proxy
