#pragma once

// What a lesson reads from and does to the cluster, through the proxy only:
// each node's full status (GET /nodes/full), the elections, each node's Raft
// log window, faults, moves, the mission, membership and the timing. Reads
// come back typed, with a missing or malformed field read as 0 or empty, so
// a check says "node 3 is at term 0" rather than throwing.

#include "ctl/client.hpp"

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::ctl::lesson {

/// One node as the proxy last saw it.
struct NodeState {
    std::uint64_t id = 0;
    /// HOST:PORT.
    std::string name;
    /// leader, follower, candidate, learner, unreachable, ...
    std::string role;
    std::uint64_t term = 0;
    /// The leader this node follows; 0 if none.
    std::uint64_t leader = 0;
    std::uint64_t commit_index = 0;
    std::uint64_t applied_index = 0;
    std::uint64_t last_index = 0;
    std::uint64_t snapshot_index = 0;
    std::vector<std::uint64_t> voters;
    std::vector<std::uint64_t> learners;
    /// The lead point [x, y] as this node applied it.
    nlohmann::json lead;
    /// The timing in force ({heartbeat_ms, election_timeout_ms, ...}).
    nlohmann::json timing;
    std::string state_hash;
    /// The status as it came.
    nlohmann::json raw;

    /// It answered the proxy and is not under a crash fault.
    bool running() const { return role != "unreachable" && role != "crashed"; }
    bool is_voter(std::uint64_t member) const;
};

/// One entry of a node's Raft log window.
struct LogEntrySeen {
    std::uint64_t index = 0;
    std::uint64_t term = 0;
    std::string kind;
};

/// An entry a node had and lost when its log was repaired.
struct OverwrittenSeen {
    std::uint64_t index = 0;
    std::uint64_t term = 0;
    std::uint64_t replaced_by_term = 0;
};

/// GET /raft/log?node=ID for one node.
struct LogWindowSeen {
    std::vector<LogEntrySeen> entries;
    /// The first index the node still holds in its log (after its snapshot).
    std::uint64_t first_index = 0;
    std::uint64_t last_index = 0;
    std::uint64_t commit_index = 0;
    std::uint64_t applied_index = 0;
    std::uint64_t snapshot_index = 0;
    std::vector<OverwrittenSeen> overwritten;

    const LogEntrySeen* find(std::uint64_t index) const;
};

/// An answered move.
struct MoveSeen {
    std::uint64_t term = 0;
    std::uint64_t index = 0;
    nlohmann::json lead;
};

class ClusterProbe {
public:
    explicit ClusterProbe(ProxyClient& client);

    util::Result<std::vector<NodeState>> nodes();
    util::Result<NodeState> node(std::uint64_t id);
    /// The reachable node that calls itself leader in the highest term; an
    /// error saying what the nodes are when there is none.
    util::Result<NodeState> leader();
    /// GET /elections: {"<term>": [candidacy, ...]}.
    util::Result<nlohmann::json> elections();
    util::Result<LogWindowSeen> raft_log(std::uint64_t id, std::optional<std::uint64_t> from,
                                         std::uint64_t limit);

    /// POST /chaos with `body` ({kind, target, ...}).
    util::Status fault(const nlohmann::json& body);
    /// POST /chaos/heal; `targets` empty heals every node.
    util::Status heal(const std::vector<std::uint64_t>& targets = {});
    /// POST /nodes/move with this run's client id and the next sequence.
    util::Result<MoveSeen> move(std::int64_t dx, std::int64_t dy);
    /// POST /mission {"action": start|pause}.
    util::Status mission(const std::string& action);
    /// POST /timing with `body`.
    util::Status timing(const nlohmann::json& body);
    util::Status add_member(std::uint64_t id, const std::string& address);
    util::Status remove_member(std::uint64_t id);

    ProxyClient& client() { return m_client; }

private:
    ProxyClient& m_client;
    std::string m_client_id;
    std::uint64_t m_sequence = 0;
};

/// "1,2,3" for messages.
std::string id_list_text(const std::vector<std::uint64_t>& ids);
/// "node 3 (leader, term 4)" for each node, joined by "; ".
std::string nodes_text(const std::vector<NodeState>& nodes);
/// A lesson's own client id for moves: "lesson-<pid>-<random hex>".
std::string make_lesson_client_id();

} // namespace raftescort::ctl::lesson
