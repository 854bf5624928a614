#pragma once

// The proxy's Redis reader thread: every second it reads the registrations
// into the cluster view (new nodes, moved addresses) and, unless the proxy
// was given one, the cluster token; every 200 ms it reads
// the newest entries of the event stream and publishes those it has not
// seen as "record" events. Redis being down only pauses both: the view keeps
// polling the nodes it knows, and the events resume where Redis resumes.

#include "proxy/view/cluster_view.hpp"
#include "proxy/view/event_hub.hpp"
#include "proxy/view/shared_registry.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace raftescort::proxy {

struct RegistryPollerOptions {
    std::int64_t nodes_interval_ms = 1000;
    /// When set, the cluster token is read with the registrations and each
    /// value read is handed to it (the proxy was given none of its own).
    std::function<void(const std::string&)> learn_cluster_token;
    std::int64_t events_interval_ms = 200;
    /// Events read per poll: more than a busy cluster writes in one interval.
    std::size_t events_read_max = 200;
    /// Events of the past published at start, for the first subscribers.
    std::size_t events_backlog = 20;
};

/// A Redis stream id ("<ms>-<seq>") as a pair that orders like the stream;
/// {0, 0} for anything else.
std::pair<std::uint64_t, std::uint64_t> parse_stream_id(const std::string& id);

class RegistryPoller {
public:
    RegistryPoller(SharedRegistry& registry, ClusterView& view, EventHub& hub,
                   RegistryPollerOptions options);
    /// stop().
    ~RegistryPoller();
    RegistryPoller(const RegistryPoller&) = delete;
    RegistryPoller& operator=(const RegistryPoller&) = delete;

    /// Ends the thread after the Redis call in progress (bounded by its timeouts).
    void stop();

private:
    void run();
    void refresh_nodes();
    void forward_events();

    SharedRegistry& m_registry;
    ClusterView& m_view;
    EventHub& m_hub;
    const RegistryPollerOptions m_options;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    /// The newest stream id published; {0, 0} before the first read.
    std::pair<std::uint64_t, std::uint64_t> m_last_event{0, 0};
    bool m_events_started = false;
    bool m_redis_was_up = false;
    std::thread m_thread;
};

} // namespace raftescort::proxy
