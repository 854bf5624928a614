#include "proxy/metrics/metrics.hpp"

#include "proxy/metrics/prometheus_text.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

constexpr const char* k_roles[] = {"leader", "follower", "candidate", "learner",
                                   k_role_unreachable};

/// What a node reports under "metrics" in its /status; any part may be missing.
struct NodeMetrics {
    std::optional<std::uint64_t> elections_started;
    std::optional<std::uint64_t> elections_won;
    std::optional<std::uint64_t> leader_changes;
    std::optional<HistogramSnapshot> fsync;
};

std::optional<std::uint64_t> counter_of(const json& object, const char* name)
{
    auto it = object.find(name);
    if (it == object.end() || !it->is_number_unsigned()) {
        return std::nullopt;
    }
    return it->get<std::uint64_t>();
}

/// {"count", "sum_seconds", "buckets": [{"le", "count"}, ...]}, buckets
/// cumulative with increasing bounds; anything else is ignored whole.
std::optional<HistogramSnapshot> histogram_of(const json& object)
{
    if (!object.is_object() || !object.contains("buckets") || !object["buckets"].is_array()) {
        return std::nullopt;
    }
    HistogramSnapshot histogram;
    std::optional<std::uint64_t> count = counter_of(object, "count");
    auto sum = object.find("sum_seconds");
    if (!count || sum == object.end() || !sum->is_number()) {
        return std::nullopt;
    }
    histogram.count = *count;
    histogram.sum = sum->get<double>();
    for (const json& bucket : object["buckets"]) {
        if (!bucket.is_object() || !bucket.contains("le") || !bucket["le"].is_number()) {
            return std::nullopt;
        }
        std::optional<std::uint64_t> cumulative = counter_of(bucket, "count");
        const double bound = bucket["le"].get<double>();
        if (!cumulative || (!histogram.bounds.empty() && bound <= histogram.bounds.back())
            || (!histogram.cumulative.empty() && *cumulative < histogram.cumulative.back())
            || *cumulative > histogram.count) {
            return std::nullopt;
        }
        histogram.bounds.push_back(bound);
        histogram.cumulative.push_back(*cumulative);
    }
    return histogram;
}

NodeMetrics node_metrics_of(const NodeView& node)
{
    NodeMetrics metrics;
    if (!node.reachable || !node.status.is_object() || !node.status.contains("metrics")
        || !node.status["metrics"].is_object()) {
        return metrics;
    }
    const json& reported = node.status["metrics"];
    metrics.elections_started = counter_of(reported, "elections_started");
    metrics.elections_won = counter_of(reported, "elections_won");
    metrics.leader_changes = counter_of(reported, "leader_changes");
    if (reported.contains("fsync")) {
        metrics.fsync = histogram_of(reported["fsync"]);
    }
    return metrics;
}

Labels node_labels(const NodeView& node)
{
    return {{"node", std::to_string(node.id)}, {"name", node.name}};
}

void render_nodes(PrometheusText& out, const ClusterSnapshot& snapshot)
{
    out.family("raftescort_node_up", "gauge", "1 if the node answered the proxy's last poll.");
    for (const NodeView& node : snapshot.nodes) {
        out.sample("raftescort_node_up", node_labels(node), node.reachable ? 1 : 0);
    }
    out.family("raftescort_node_role", "gauge",
               "1 for the role the node reports (unreachable: it did not answer).");
    for (const NodeView& node : snapshot.nodes) {
        for (const char* role : k_roles) {
            Labels labels = node_labels(node);
            labels.emplace_back("role", role);
            out.sample("raftescort_node_role", labels, node.role == role ? 1 : 0);
        }
    }
    out.family("raftescort_node_is_leader", "gauge", "1 for the node the proxy sends moves to.");
    for (const NodeView& node : snapshot.nodes) {
        out.sample("raftescort_node_is_leader", node_labels(node),
                   node.id == snapshot.leader ? 1 : 0);
    }
    struct Gauge {
        const char* name;
        const char* help;
        std::uint64_t NodeView::*field;
    };
    const Gauge gauges[] = {
        {"raftescort_node_term", "The node's current term.", &NodeView::term},
        {"raftescort_node_commit_index", "The node's commit index.", &NodeView::commit_index},
        {"raftescort_node_applied_index", "The node's last applied index.",
         &NodeView::applied_index},
    };
    for (const Gauge& gauge : gauges) {
        out.family(gauge.name, "gauge", std::string(gauge.help) + " Reachable nodes only.");
        for (const NodeView& node : snapshot.nodes) {
            if (node.reachable) {
                out.sample(gauge.name, node_labels(node), static_cast<double>(node.*gauge.field));
            }
        }
    }
}

void render_node_counters(PrometheusText& out, const ClusterSnapshot& snapshot)
{
    struct Counter {
        const char* name;
        const char* help;
        std::optional<std::uint64_t> NodeMetrics::*field;
    };
    const Counter counters[] = {
        {"raftescort_elections_started_total", "Elections the node started (as candidate).",
         &NodeMetrics::elections_started},
        {"raftescort_elections_won_total", "Elections the node won.", &NodeMetrics::elections_won},
        {"raftescort_node_leader_changes_total", "Leader changes the node saw.",
         &NodeMetrics::leader_changes},
    };
    std::vector<std::pair<const NodeView*, NodeMetrics>> reported;
    for (const NodeView& node : snapshot.nodes) {
        reported.emplace_back(&node, node_metrics_of(node));
    }
    for (const Counter& counter : counters) {
        out.family(counter.name, "counter",
                   std::string(counter.help) + " Since the node process started.");
        for (const auto& [node, metrics] : reported) {
            if (const auto& value = metrics.*counter.field) {
                out.sample(counter.name, node_labels(*node), static_cast<double>(*value));
            }
        }
    }
    out.family("raftescort_fsync_seconds", "histogram",
               "Time of each fsync of the node's log, as the node reports it.");
    for (const auto& [node, metrics] : reported) {
        if (metrics.fsync) {
            out.histogram("raftescort_fsync_seconds", node_labels(*node), metrics.fsync->bounds,
                          metrics.fsync->cumulative, metrics.fsync->count, metrics.fsync->sum);
        }
    }
}

void render_cluster(PrometheusText& out, const MetricsInput& input)
{
    const ClusterSnapshot& snapshot = input.snapshot;
    out.family("raftescort_leader_present", "gauge", "1 if a reachable node is leader.");
    out.sample("raftescort_leader_present", {}, input.leader.leader_present ? 1 : 0);
    out.family("raftescort_leader_changes_total", "counter",
               "Leader changes (id or term) the proxy observed since it started.");
    out.sample("raftescort_leader_changes_total", {},
               static_cast<double>(input.leader.leader_changes));
    out.family("raftescort_seconds_without_leader_total", "counter",
               "Seconds the proxy saw no reachable leader since the first node answered.");
    out.sample("raftescort_seconds_without_leader_total", {}, input.leader.seconds_without_leader);
    out.family("raftescort_cluster_term", "gauge", "The leader's term (or the highest seen).");
    out.sample("raftescort_cluster_term", {}, static_cast<double>(snapshot.term));
    out.family("raftescort_replication_lag_entries", "gauge",
               "Leader's last index minus the follower's match index, on the leader's view.");
    if (const NodeView* leader = snapshot.leader_view()) {
        for (const PeerView& peer : leader->peers) {
            const std::uint64_t lag =
                leader->last_index > peer.match_index ? leader->last_index - peer.match_index : 0;
            out.sample("raftescort_replication_lag_entries",
                       {{"follower", std::to_string(peer.id)}, {"name", peer.name}},
                       static_cast<double>(lag));
        }
    }
    out.family("raftescort_move_commit_seconds", "histogram",
               "Time from a move's arrival at the proxy to the leader's answer after commit.");
    out.histogram("raftescort_move_commit_seconds", {}, input.move_commit.bounds,
                  input.move_commit.cumulative, input.move_commit.count, input.move_commit.sum);
    out.family("raftescort_redis_up", "gauge", "1 if the proxy's last Redis call succeeded.");
    out.sample("raftescort_redis_up", {}, input.redis_up ? 1 : 0);
}

void render_proxy(PrometheusText& out, const MetricsInput& input)
{
    out.family("raftescort_proxy_forwarded_requests_total", "counter",
               "Requests the proxy forwarded to the leader, by path and final HTTP status.");
    for (const auto& [key, count] : input.forwards) {
        out.sample("raftescort_proxy_forwarded_requests_total",
                   {{"path", key.first}, {"code", std::to_string(key.second)}},
                   static_cast<double>(count));
    }
    out.family("raftescort_proxy_event_clients", "gauge", "Open GET /events streams.");
    out.sample("raftescort_proxy_event_clients", {}, static_cast<double>(input.event_clients));
    out.family("raftescort_proxy_event_clients_dropped_total", "counter",
               "Event streams ended because the client fell behind.");
    out.sample("raftescort_proxy_event_clients_dropped_total", {},
               static_cast<double>(input.event_clients_dropped));
}

} // namespace

void ProxyMetrics::observe_move_commit(double seconds)
{
    std::lock_guard lock(m_mutex);
    m_move_commit.observe(seconds);
}

HistogramSnapshot ProxyMetrics::move_commit() const
{
    std::lock_guard lock(m_mutex);
    return m_move_commit.snapshot();
}

void ProxyMetrics::count_forward(const std::string& path, int status)
{
    std::lock_guard lock(m_mutex);
    ++m_forwards[{path, status}];
}

std::map<std::pair<std::string, int>, std::uint64_t> ProxyMetrics::forwards() const
{
    std::lock_guard lock(m_mutex);
    return m_forwards;
}

std::string render_metrics(const MetricsInput& input)
{
    PrometheusText out;
    render_nodes(out, input.snapshot);
    render_node_counters(out, input.snapshot);
    render_cluster(out, input);
    render_proxy(out, input);
    return out.text();
}

} // namespace raftescort::proxy
