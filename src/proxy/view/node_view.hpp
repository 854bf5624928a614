#pragma once

// What the proxy knows of each node: its address and what its latest
// GET /status said (node_api.hpp), parsed leniently. The node API grows
// (new fields, a "metrics" object); the proxy reads the fields it needs,
// keeps the raw body for /nodes/full and /metrics, and never refuses a
// status for a field it does not know.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::proxy {

/// The role the proxy shows for a node that did not answer its last poll.
inline constexpr const char* k_role_unreachable = "unreachable";

/// One entry of a leader's `peers` list.
struct PeerView {
    std::uint64_t id = 0;
    /// The peer's host:port as the reporting node knows it; may be empty.
    std::string name;
    std::uint64_t match_index = 0;
    bool learner = false;
    /// Milliseconds since the reporting node last heard from the peer.
    std::optional<std::int64_t> last_contact_ms;
};

/// One node as the proxy sees it.
struct NodeView {
    std::uint64_t id = 0;
    /// Where the proxy reaches the node, host:port (the API calls it `name`).
    std::string name;
    /// The latest poll was answered with a status.
    bool reachable = false;
    /// leader, follower, candidate or learner while reachable (a node's
    /// pre_candidate shows as candidate); k_role_unreachable otherwise.
    std::string role = k_role_unreachable;
    /// The last term the node reported (kept while it is unreachable).
    std::uint64_t term = 0;
    /// The leader the node knows of, 0 for none.
    std::uint64_t leader = 0;
    std::string leader_name;
    std::uint64_t commit_index = 0;
    std::uint64_t applied_index = 0;
    std::uint64_t last_index = 0;
    /// A leader that committed an entry of its own term (it can serve).
    bool committed_in_term = false;
    /// Empty while the node is unreachable or not on the convoy's roster.
    std::optional<escort::Point> position;
    escort::Point lead;
    std::vector<std::uint64_t> voters;
    std::vector<std::uint64_t> learners;
    std::vector<PeerView> peers;
    /// The node's own name (its advertised host:port) as its /status gives
    /// it; usually `name`, but the proxy may reach it by another address.
    std::string own_name;
    /// The addresses of the node's machine (its /status "interface_ips"),
    /// kept while it is unreachable, so ?ip= still finds it by them.
    std::vector<std::string> interface_ips;
    /// The faults in force as the node's latest status listed them
    /// (node_faults.hpp); [] while unreachable, since they are not known then.
    nlohmann::json faults = nlohmann::json::array();
    /// The node's timing (node_faults.hpp), or null if it reports none; kept
    /// while it is unreachable, like its term.
    nlohmann::json timing;
    /// The latest answered GET /status body; null while unreachable.
    nlohmann::json status;
    /// Why the latest poll failed; empty while reachable.
    std::string last_error;
    /// When the proxy last had an answer from the node, in monotonic ms
    /// (transport/clock.hpp); empty before its first. Kept while the node is
    /// unreachable: it dates what is kept of the node's last status.
    std::optional<std::int64_t> answered_at_ms;
};

/// Reads a node's GET /status body. Needs an object with a positive "id" and
/// a "role" string; every other field is optional, defaulting to empty/0.
util::Result<NodeView> parse_node_status(const nlohmann::json& body);

/// The role name the external API shows for a node's role (leader, follower,
/// candidate, learner; man/raftescort-proxy.1, GET /nodes): a pre_candidate
/// is a candidate to the outside.
std::string normalize_role(const std::string& role);

/// A consistent copy of the whole view.
struct ClusterSnapshot {
    /// The listed nodes, sorted by id.
    std::vector<NodeView> nodes;
    /// The reachable node reporting role leader with the highest term; 0 if none.
    std::uint64_t leader = 0;
    /// The leader's term, or the highest term any reachable node reported.
    std::uint64_t term = 0;
    /// Grows with every change to the view (a poll result, a node learned or
    /// moved, the registered set); equal versions mean equal snapshots.
    std::uint64_t version = 0;
    /// How often the view polls each node: data older than one interval (and
    /// the poll's round trip) has missed a poll.
    std::int64_t poll_interval_ms = 250;

    const NodeView* find(std::uint64_t id) const;
    const NodeView* leader_view() const;
    std::size_t reachable_count() const;
};

/// The leader rule above, over any list of views.
std::uint64_t choose_leader(const std::vector<NodeView>& nodes);

} // namespace raftescort::proxy
