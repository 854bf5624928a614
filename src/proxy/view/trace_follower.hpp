#pragma once

// Follows every node's message trace (GET /raft/trace on the nodes) while
// someone watches GET /events, and sends what is new as "trace" events:
// {"node": ID, "missed": N, "messages": [...]} per node and round, the
// messages as the node gives them. Nobody watching: no requests at all, and
// the next watcher starts from that moment, not from a backlog.

#include "proxy/view/cluster_view.hpp"
#include "proxy/view/event_hub.hpp"

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace raftescort::proxy {

struct TraceFollowerOptions {
    std::int64_t interval_ms = 250;
    /// GET `path` from `node`: its JSON object, or why not.
    std::function<util::Result<nlohmann::json>(const NodeView& node, const std::string& path)>
        fetch;
};

class TraceFollower {
public:
    TraceFollower(ClusterView& view, EventHub& hub, TraceFollowerOptions options);
    /// stop().
    ~TraceFollower();
    TraceFollower(const TraceFollower&) = delete;
    TraceFollower& operator=(const TraceFollower&) = delete;

    void stop();

private:
    void run();
    void follow(const NodeView& node);

    ClusterView& m_view;
    EventHub& m_hub;
    const TraceFollowerOptions m_options;
    /// Per node, the seq of the last trace item sent on.
    std::map<std::uint64_t, std::uint64_t> m_cursors;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace raftescort::proxy
