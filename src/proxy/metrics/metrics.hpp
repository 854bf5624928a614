#pragma once

// GET /metrics: the cluster as Prometheus sees it. Per node (from its polled
// /status): up, role, term, commit and applied index, its election counters
// and fsync histogram when the node reports them (an older node does not:
// those series are then absent, not zero). Cluster-wide, as the proxy
// observed it: leader changes, time without a leader, replication lag on the
// leader's view, how long forwarded moves took to commit, Redis reachability.

#include "proxy/view/cluster_view.hpp"

#include <raftescort/util/histogram.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace raftescort::proxy {

using util::HistogramSnapshot;

/// What the proxy itself measures while serving; thread-safe (server threads
/// observe while /metrics reads).
class ProxyMetrics {
public:
    /// A forwarded move answered 200 after `seconds` (from the request's arrival).
    void observe_move_commit(double seconds);
    /// A forwarded request to `path` (the proxy's path) ended with `status`.
    void count_forward(const std::string& path, int status);

    HistogramSnapshot move_commit() const;
    std::map<std::pair<std::string, int>, std::uint64_t> forwards() const;

private:
    /// Guards everything below.
    mutable std::mutex m_mutex;
    util::Histogram m_move_commit{util::k_request_latency_bounds_seconds};
    std::map<std::pair<std::string, int>, std::uint64_t> m_forwards;
};

struct MetricsInput {
    ClusterSnapshot snapshot;
    LeaderStats leader;
    HistogramSnapshot move_commit;
    std::map<std::pair<std::string, int>, std::uint64_t> forwards;
    bool redis_up = false;
    std::size_t event_clients = 0;
    std::uint64_t event_clients_dropped = 0;
};

/// The whole exposition text.
std::string render_metrics(const MetricsInput& input);

} // namespace raftescort::proxy
