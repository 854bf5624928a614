#pragma once

// Publishes the cluster view as "status" events (GET /events): once per
// interval (the view's poll interval, so no change is missed for long), and
// only when the JSON differs from the last one sent.

#include "proxy/view/cluster_view.hpp"
#include "proxy/view/event_hub.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace raftescort::proxy {

class StatusPublisher {
public:
    StatusPublisher(ClusterView& view, EventHub& hub, std::int64_t interval_ms);
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
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace raftescort::proxy
