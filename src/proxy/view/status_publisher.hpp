#pragma once

// Publishes the cluster view as "status" events (GET /events): once per
// interval (the view's poll interval, so no change is missed for long), and
// only when the JSON differs from the last one sent. Other periodic checks
// of the proxy (the lesson banner's expiry) ride on the same thread, through
// `each_interval`, rather than each keeping a thread of its own.

#include "proxy/view/cluster_view.hpp"
#include "proxy/view/event_hub.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace raftescort::proxy {

class StatusPublisher {
public:
    /// `each_interval`, if set, runs on the publisher's thread after each
    /// status check; it must not block for long.
    StatusPublisher(ClusterView& view, EventHub& hub, std::int64_t interval_ms,
                    std::function<void()> each_interval = {});
    /// stop().
    ~StatusPublisher();
    StatusPublisher(const StatusPublisher&) = delete;
    StatusPublisher& operator=(const StatusPublisher&) = delete;

    void stop();

private:
    void run();

    ClusterView& m_view;
    EventHub& m_hub;
    const std::int64_t m_interval_ms;
    const std::function<void()> m_each_interval;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace raftescort::proxy
