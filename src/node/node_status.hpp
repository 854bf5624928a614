#pragma once

// Plain copies of a node's state, published by the loop after each batch so
// HTTP threads read them without touching the Replica.

#include <raftescort/chaos/fault_plan.hpp>
#include <raftescort/escort/escort.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/histogram.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace raftescort::node {

struct PeerStatus {
    raft::NodeId id;
    std::string name;
    raft::Index match_index;
    raft::Index next_index;
    /// probe, replicate or snapshot (raft::progress_state_name).
    std::string state;
    bool learner = false;
    std::int64_t last_contact_ms = 0;
    /// The sender's last request succeeded, or a message from the peer
    /// arrived within k_peer_heard_window_ms (a follower sends its leader
    /// nothing of its own: its answers ride back in the leader's requests).
    bool reachable = false;
    /// The peer's answers that came back in the responses to this node's
    /// requests (reply_slot.hpp) rather than as requests of their own.
    std::uint64_t answers_in_responses = 0;
};

struct NodePosition {
    raft::NodeId id;
    escort::Point position;
};

/// Counters since the process started, for the proxy's /metrics.
struct NodeMetrics {
    /// Elections this node started as a candidate (pre-votes not counted).
    std::uint64_t elections_started = 0;
    std::uint64_t elections_won = 0;
    /// Times the leader this node knows of changed (to another id or to none).
    std::uint64_t leader_changes = 0;
    /// Durable saves: writes plus one fsync each.
    util::Histogram fsync{util::k_storage_latency_bounds_seconds};
};

struct TimingStatus {
    std::int64_t heartbeat_ms = 0;
    std::int64_t election_timeout_ms = 0;
    std::int64_t step_interval_ms = 0;
    /// Raft's pre-vote and check-quorum as the core has them in force.
    bool pre_vote = true;
    bool check_quorum = true;
    raft::Index since_index;
    /// The timing command in force as the escort applied it (all `own` and
    /// zero: the node's own settings); a change merges with it.
    escort::Timing replicated;
};

struct NodeStatus {
    raft::NodeId id;
    std::string name;
    std::string cluster_id;
    /// leader, follower, candidate, pre_candidate or learner.
    std::string role;
    raft::Term term;
    raft::NodeId leader;
    std::string leader_name;
    raft::Index commit_index;
    raft::Index applied_index;
    raft::Index last_index;
    raft::Index snapshot_index;
    /// A leader that has applied an entry of its own term (its no-op): what
    /// it serves is the latest committed state (Raft §8).
    bool committed_in_term = false;
    std::optional<escort::Point> position;
    escort::Point lead;
    raft::NodeId lead_unit;
    escort::Mission mission;
    std::vector<raft::NodeId> voters;
    std::vector<raft::NodeId> learners;
    std::vector<PeerStatus> peers;
    std::vector<NodePosition> positions;
    std::uint64_t state_hash = 0;
    bool redis_connected = false;
    /// The built-in faults in force (chaos/fault_plan.hpp).
    std::vector<chaos::ActiveFault> faults;
    /// The timing in force, and the index of the timing command that set it
    /// (0: the node's own settings since it started).
    TimingStatus timing;
    NodeMetrics metrics;
    /// The machine's interface addresses (transport::interface_ips), filled
    /// by the /status handler: the proxy matches ?ip= against them.
    std::vector<std::string> interface_ips;
};

/// One applied entry, as /logs shows it.
struct LoggedEntry {
    raft::Index index;
    raft::Term term;
    raft::EntryType type = raft::EntryType::normal;
    /// The command text, the conf change in words, or the leader id.
    std::string command;
};

} // namespace raftescort::node
