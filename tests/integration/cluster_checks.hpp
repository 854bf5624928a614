#pragma once

// Checks over what the tests observe of a running cluster (Raft's safety
// invariants and escort continuity):
//
// - ClusterObserver sees every /status sample the fixture takes and checks,
//   at every observation: election safety (at most one leader per term), a
//   node's term never decreases, also across restarts, applied <= commit <=
//   last and snapshot <= applied within a sample, commit never decreasing
//   within one run of a process, and state machine safety: every sample
//   at applied index i, from any node, shows the same state hash and convoy.
// - ConvoyMirror replays the applied log (GET /logs) with the escort rules
//   for the lead point and the mission, so a test can check escort
//   continuity: the node's reported convoy at every sampled index must be
//   the one the log explains, where every change of the lead point is one
//   unit step toward the target or a client move, never anything else.
//
// Violations are collected as sentences, not asserted here, so the fixture
// can print them all together with the nodes' logs.

#include "integration/node_client.hpp"

#include <raftescort/escort/escort.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace raftescort::integration {

inline std::string point_text(const Point& point)
{
    return "[" + std::to_string(point.x) + "," + std::to_string(point.y) + "]";
}

/// The part of the escort state the lead point and mission depend on.
struct ConvoyState {
    Point lead{0, 0};
    Point target{100, 0};
    bool running = false;
    std::uint64_t steps_taken = 0;

    bool operator==(const ConvoyState&) const = default;

    std::string describe() const
    {
        return "lead " + point_text(lead) + " target " + point_text(target)
               + (running ? " running" : " paused") + " steps " + std::to_string(steps_taken);
    }

    static ConvoyState of(const NodeStatus& status)
    {
        return ConvoyState{status.lead, status.mission.target, status.mission.running,
                           status.mission.steps_taken};
    }
};

class ClusterObserver {
public:
    /// Checks one /status sample against everything seen before.
    void observe(const NodeStatus& status)
    {
        const std::string who = "node " + std::to_string(status.id);
        ++m_samples;
        if (status.role == "crashed") {
            // A node under the built-in crash fault holds no Raft state; it
            // recovers as a restarted process does, so its run starts over.
            m_nodes[status.id].commit_max_this_run = 0;
            return;
        }
        if (status.is_leader()) {
            auto [it, inserted] = m_leader_of_term.emplace(status.term, status.id);
            if (!inserted && it->second != status.id) {
                violation("election safety: term " + std::to_string(status.term)
                          + " has two leaders, node " + std::to_string(it->second) + " and node "
                          + std::to_string(status.id));
            }
            if (status.committed_in_term) {
                m_serving_leader_of_term.emplace(status.term, status.id);
            }
        }

        NodeRecord& node = m_nodes[status.id];
        if (status.term < node.term_max) {
            violation(who + " term went back from " + std::to_string(node.term_max) + " to "
                      + std::to_string(status.term));
        }
        node.term_max = std::max(node.term_max, status.term);
        if (status.commit_index < node.commit_max_this_run) {
            violation(who + " commit_index went back from "
                      + std::to_string(node.commit_max_this_run) + " to "
                      + std::to_string(status.commit_index) + " within one run");
        }
        node.commit_max_this_run = std::max(node.commit_max_this_run, status.commit_index);

        if (status.applied_index > status.commit_index) {
            violation(who + " applied_index " + std::to_string(status.applied_index)
                      + " > commit_index " + std::to_string(status.commit_index));
        }
        if (status.commit_index > status.last_index) {
            violation(who + " commit_index " + std::to_string(status.commit_index)
                      + " > last_index " + std::to_string(status.last_index));
        }
        if (status.snapshot_index > status.applied_index) {
            violation(who + " snapshot_index " + std::to_string(status.snapshot_index)
                      + " > applied_index " + std::to_string(status.applied_index));
        }

        // State machine safety: the state after applying index i is one state.
        auto [hash, new_hash] = m_hash_at_index.emplace(
            status.applied_index, std::make_pair(status.state_hash, status.id));
        if (!new_hash && hash->second.first != status.state_hash) {
            violation("state machine safety: at applied index "
                      + std::to_string(status.applied_index) + " node "
                      + std::to_string(hash->second.second) + " had state hash "
                      + hash->second.first + " but " + who + " has " + status.state_hash);
        }
        ConvoyState convoy = ConvoyState::of(status);
        auto [sample, new_sample] = m_convoy_at_index.emplace(status.applied_index, convoy);
        if (!new_sample && !(sample->second == convoy)) {
            violation("state machine safety: at applied index "
                      + std::to_string(status.applied_index) + " the convoy was "
                      + sample->second.describe() + " and " + who + " reports "
                      + convoy.describe());
        }
    }

    /// A node process was started again: its volatile commit index may
    /// restart lower; its term may not.
    void restarted(std::uint64_t id) { m_nodes[id].commit_max_this_run = 0; }

    /// The node's data dir was wiped: whatever it reports next is a new node.
    void forget(std::uint64_t id) { m_nodes.erase(id); }

    /// Term -> the one node seen as its leader.
    const std::map<std::uint64_t, std::uint64_t>& leader_of_term() const
    {
        return m_leader_of_term;
    }
    /// Terms whose leader was seen with committed_in_term: their leader_noop
    /// entry is committed, so the replicated log knows these leaders.
    const std::map<std::uint64_t, std::uint64_t>& serving_leader_of_term() const
    {
        return m_serving_leader_of_term;
    }
    /// The convoy seen at each applied index, from any node.
    const std::map<std::uint64_t, ConvoyState>& convoy_at_index() const
    {
        return m_convoy_at_index;
    }
    const std::vector<std::string>& violations() const { return m_violations; }
    std::uint64_t samples() const { return m_samples; }

    void violation(const std::string& text)
    {
        // Bounded: the first few say everything; a broken node would repeat
        // the same violation on every poll.
        if (m_violations.size() < 50) {
            m_violations.push_back(text);
        }
    }

private:
    struct NodeRecord {
        std::uint64_t term_max = 0;
        std::uint64_t commit_max_this_run = 0;
    };

    std::map<std::uint64_t, std::uint64_t> m_leader_of_term;
    std::map<std::uint64_t, std::uint64_t> m_serving_leader_of_term;
    std::map<std::uint64_t, NodeRecord> m_nodes;
    std::map<std::uint64_t, std::pair<std::string, std::uint64_t>> m_hash_at_index;
    std::map<std::uint64_t, ConvoyState> m_convoy_at_index;
    std::vector<std::string> m_violations;
    std::uint64_t m_samples = 0;
};

/// Replays applied entries with the escort's rules for the lead point and
/// the mission (src/escort/escort.cpp): a step applies only while the mission
/// runs and only from the current lead point (otherwise it is stale), and
/// moves one unit toward the target, x first; a move shifts the lead point;
/// a (client_id, sequence) at or below the client's last one is a duplicate.
class ConvoyMirror {
public:
    /// Starts from the state after `applied_index` (0: the empty log).
    explicit ConvoyMirror(std::uint64_t applied_index = 0, ConvoyState state = {})
        : m_start_index(applied_index)
    {
        m_history.push_back(state);
    }

    /// Applies the next entry; it must carry the next index.
    void apply(const LogEntry& entry)
    {
        if (entry.index != applied_index() + 1) {
            violation("log gap: expected index " + std::to_string(applied_index() + 1) + ", got "
                      + std::to_string(entry.index));
            return;
        }
        ConvoyState state = m_history.back();
        if (entry.type == "normal") {
            apply_command(entry, state);
        } else if (entry.type != "leader_noop" && entry.type != "conf_change") {
            violation("entry " + std::to_string(entry.index) + " has unknown type \"" + entry.type
                      + "\"");
        }
        m_history.push_back(state);
    }

    std::uint64_t applied_index() const { return m_start_index + m_history.size() - 1; }
    const ConvoyState& state() const { return m_history.back(); }

    /// The state after `index`, if the mirror covers it.
    std::optional<ConvoyState> state_at(std::uint64_t index) const
    {
        if (index < m_start_index || index > applied_index()) {
            return std::nullopt;
        }
        return m_history[index - m_start_index];
    }

    /// Compares every convoy a node reported (at any covered index) with the
    /// replay. Returns how many samples were compared.
    std::size_t check_samples(const std::map<std::uint64_t, ConvoyState>& samples)
    {
        std::size_t compared = 0;
        for (const auto& [index, reported] : samples) {
            auto replayed = state_at(index);
            if (!replayed) {
                continue;
            }
            ++compared;
            if (!(*replayed == reported)) {
                violation("escort continuity: at applied index " + std::to_string(index)
                          + " a node reported " + reported.describe() + " but the log explains "
                          + replayed->describe());
            }
        }
        return compared;
    }

    /// Steps that moved the lead point, steps that were stale (proposed from
    /// a point the lead had already left) or no-ops, moves applied, moves
    /// that were duplicates.
    std::uint64_t steps_applied() const { return m_steps_applied; }
    std::uint64_t steps_stale() const { return m_steps_stale; }
    std::uint64_t moves_applied() const { return m_moves_applied; }
    std::uint64_t moves_duplicate() const { return m_moves_duplicate; }
    const std::vector<std::string>& violations() const { return m_violations; }

    /// (client_id, sequence) -> index of the entry that applied it.
    std::optional<std::uint64_t> index_of_request(const std::string& client_id,
                                                  std::uint64_t sequence) const
    {
        auto found = m_request_index.find({client_id, sequence});
        if (found == m_request_index.end()) {
            return std::nullopt;
        }
        return found->second;
    }

private:
    void apply_command(const LogEntry& entry, ConvoyState& state)
    {
        auto decoded = escort::decode_command(entry.command);
        if (!decoded.ok()) {
            violation("entry " + std::to_string(entry.index) + " has a command the escort cannot "
                      + "decode: \"" + entry.command + "\" (" + decoded.error().message + ")");
            return;
        }
        const escort::Command& command = decoded.value();
        if (!command.client_id.empty()) {
            std::uint64_t& last = m_client_sequence[command.client_id];
            if (command.sequence <= last) {
                if (command.kind == escort::CommandKind::move) {
                    ++m_moves_duplicate;
                }
                return;
            }
            last = command.sequence;
            m_request_index[{command.client_id, command.sequence}] = entry.index;
        }
        const Point before = state.lead;
        switch (command.kind) {
        case escort::CommandKind::step:
            if (!state.running || command.from != state.lead || state.lead == state.target) {
                ++m_steps_stale;
                return;
            }
            if (state.lead.x != state.target.x) {
                state.lead.x += state.target.x > state.lead.x ? 1 : -1;
            } else {
                state.lead.y += state.target.y > state.lead.y ? 1 : -1;
            }
            ++state.steps_taken;
            if (state.lead == state.target) {
                state.running = false;
            }
            ++m_steps_applied;
            // Continuity, stated directly: a step is one unit, never a jump.
            if (std::llabs(state.lead.x - before.x) + std::llabs(state.lead.y - before.y) != 1) {
                violation("entry " + std::to_string(entry.index) + " stepped from "
                          + point_text(before) + " to " + point_text(state.lead));
            }
            return;
        case escort::CommandKind::move:
            if (std::llabs(command.dx) > escort::k_move_delta_max
                || std::llabs(command.dy) > escort::k_move_delta_max) {
                return;
            }
            state.lead.x += command.dx;
            state.lead.y += command.dy;
            ++m_moves_applied;
            return;
        case escort::CommandKind::mission:
            state.target = command.target;
            state.running = command.running;
            return;
        case escort::CommandKind::timing:
            // Timing changes how fast the convoy moves, never where it is.
            return;
        }
    }

    void violation(const std::string& text)
    {
        if (m_violations.size() < 50) {
            m_violations.push_back(text);
        }
    }

    std::uint64_t m_start_index;
    /// m_history[k] is the state after index m_start_index + k.
    std::vector<ConvoyState> m_history;
    std::map<std::string, std::uint64_t> m_client_sequence;
    std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> m_request_index;
    std::uint64_t m_steps_applied = 0;
    std::uint64_t m_steps_stale = 0;
    std::uint64_t m_moves_applied = 0;
    std::uint64_t m_moves_duplicate = 0;
    std::vector<std::string> m_violations;
};

} // namespace raftescort::integration
