#pragma once

// The proxy's picture of the cluster, kept fresh by polling every node.
//
// Which nodes: every registration the registry worker finds in Redis, every
// peer a node lists in its /status (so the proxy keeps finding nodes while
// Redis is down), and every node seen before: a node that stops answering
// stays listed with role "unreachable" while it is still a member (or still
// registered, or no leader says otherwise). The leader is the reachable node
// reporting role leader with the highest term.
//
// The view also keeps the leader history the proxy observed, for /metrics:
// how often the leader changed and how long the cluster had none.

#include "proxy/view/node_poller.hpp"
#include "proxy/view/node_view.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace raftescort::proxy {

struct ClusterViewOptions {
    NodePollerOptions poller;
    /// A bound on the nodes the view tracks (each has a thread).
    std::size_t nodes_max = 128;
};

/// Where an address came from; a more trusted source replaces a less trusted
/// one, and any source replaces the address of a node that does not answer.
enum class AddressSource : std::uint8_t { peer_list = 0, registry = 1, operator_request = 2 };

/// What the proxy observed of leadership since it started.
struct LeaderStats {
    /// Times the leader (id and term) changed from one known leader to another.
    std::uint64_t leader_changes = 0;
    /// Time without a reachable leader since the first node answered.
    double seconds_without_leader = 0;
    bool leader_present = false;
};

class ClusterView {
public:
    explicit ClusterView(ClusterViewOptions options);
    /// stop().
    ~ClusterView();
    ClusterView(const ClusterView&) = delete;
    ClusterView& operator=(const ClusterView&) = delete;

    /// Node `id` is reachable at `address` (host:port): starts polling it if
    /// it is new, and moves the poller if the address changed and `source`
    /// may replace the current one.
    void learn(std::uint64_t id, const std::string& address, AddressSource source);
    /// The ids with a live Redis registration (replaces the previous set).
    void set_registered(std::set<std::uint64_t> ids);

    /// Shared and immutable: rebuilt only after the view changed, so the
    /// callers on every forwarded move do not copy each node's status.
    std::shared_ptr<const ClusterSnapshot> snapshot() const;
    LeaderStats leader_stats() const;

    /// Stops every poller (a poll in flight is cancelled). Idempotent.
    void stop();

private:
    struct Slot {
        NodeView view;
        AddressSource source = AddressSource::peer_list;
        std::unique_ptr<NodePoller> poller;
        /// Has answered at least once.
        bool seen = false;
    };

    void record(std::uint64_t id, const std::string& address, util::Result<nlohmann::json> answer);
    /// Both need m_mutex held.
    std::vector<NodeView> all_views_locked() const;
    void account_leader_locked(std::int64_t now_ms);
    void start_poller_locked(Slot& slot);

    const ClusterViewOptions m_options;
    mutable std::mutex m_mutex;
    bool m_stopped = false;
    std::map<std::uint64_t, Slot> m_slots;
    /// Pollers whose node moved to another address; joined once finished.
    std::vector<std::unique_ptr<NodePoller>> m_retired;
    std::set<std::uint64_t> m_registered;
    std::uint64_t m_version = 0;
    /// What snapshot() last built; current while its version is m_version.
    mutable std::shared_ptr<const ClusterSnapshot> m_snapshot;

    // Leader history (account_leader_locked).
    std::optional<std::pair<std::uint64_t, std::uint64_t>> m_last_leader;
    std::uint64_t m_leader_changes = 0;
    bool m_accounting = false;
    bool m_leader_present = false;
    std::int64_t m_accounted_at_ms = 0;
    std::int64_t m_without_leader_ms = 0;
};

} // namespace raftescort::proxy
