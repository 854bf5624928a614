#pragma once

// GET /metrics: the cluster as Prometheus sees it. Per node (from its polled
// /status): up, role, term, commit and applied index, its election counters
// and fsync histogram when the node reports them (an older node does not:
// those series are then absent, not zero). Cluster-wide, as the proxy
// observed it: leader changes, time without a leader, replication lag on the
// leader's view, how long forwarded moves took to commit, Redis reachability.

#include "proxy/cluster_view.hpp"
#include "proxy/histogram.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace raftescort::proxy {

/// What the proxy itself measures while serving.
class ProxyMetrics {
public:
    ProxyMetrics();

    /// A forwarded move answered 200 after `seconds` (from the request's arrival).
    void observe_move_commit(double seconds);
    /// A forwarded request to `path` (the proxy's path) ended with `status`.
    void count_forward(const std::string& path, int status);

    HistogramSnapshot move_commit() const { return m_move_commit.snapshot(); }
    std::map<std::pair<std::string, int>, std::uint64_t> forwards() const;

private:
    Histogram m_move_commit;
    mutable std::mutex m_mutex;
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
