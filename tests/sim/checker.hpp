#pragma once

// Checker: the Raft safety properties (Raft Figure 3) and the escort's own
// invariants, checked incrementally after every simulated event. It keeps
// memory across the whole run (leaders per term, every applied entry, votes,
// terms a node has shown to others), so properties are checked across
// crashes and restarts too. The first violation is kept as a one-line
// message naming the invariant, the node(s), the term and the index; the
// cluster stops the run there.
//
// SimNode calls the on_* hooks from inside its Ready handling, in the
// contract order; SimCluster calls after_event() once an event is done.

#include "sim/log_mirror.hpp"
#include "sim/served_read.hpp"
#include "sim/sim_storage.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/raft/raft_node.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace raftescort::sim {

/// What the run learned about log index i the first time any node applied it.
struct AppliedRecord {
    bool known = false;
    raft::Term term;
    raft::EntryType type = raft::EntryType::normal;
    std::string data;
    std::uint64_t entry_hash = 0;
    /// Hash chain of the log prefix ending at this entry.
    std::uint64_t chain = 0;
    /// Escort::state_hash() right after applying it.
    std::uint64_t state_hash = 0;
    raft::NodeId first_node;
};

class Checker {
public:
    bool failed() const { return !m_failure.empty(); }
    const std::string& failure() const { return m_failure; }
    /// Records a violation; only the first one is kept.
    void fail(const std::string& message);

    // --- node lifecycle --------------------------------------------------
    /// A node (re)started from `durable`; `raft` and `escort` are freshly built.
    void on_start(raft::NodeId node, const DurableState& durable, const raft::RaftNode& raft,
                  const escort::Escort& escort);
    void on_crash(raft::NodeId node);

    // --- Ready handling, in contract order ---------------------------------
    /// The Ready's snapshot, entries and hard state were written (not yet synced).
    void on_persist(raft::NodeId node, const raft::RaftNode& raft, const raft::Ready& ready);
    /// These messages are about to be sent.
    void on_send(raft::NodeId node, const std::vector<raft::Message>& messages);
    void on_install_snapshot(raft::NodeId node, const raft::Snapshot& snapshot,
                             const escort::Escort& escort);
    /// Checks that `entry` may be applied now; false (and a failure) if not,
    /// in which case the node must not hand it to the escort.
    bool before_apply(raft::NodeId node, const raft::RaftNode& raft, const raft::Entry& entry);
    void on_apply(raft::NodeId node, const raft::Entry& entry, const escort::ApplyResult& result,
                  const escort::Escort& escort);
    /// The node compacted its log up to `index`.
    void on_compact(raft::NodeId node, raft::Index index);

    /// `node` (still live) just stepped `message`.
    void on_delivered(raft::NodeId node, const raft::RaftNode& raft, const raft::Message& message);
    /// After every event that touched `node` (delivery, tick, restart).
    void after_event(raft::NodeId node, const raft::RaftNode& raft);

    // --- linearizable reads (Raft §8 ReadIndex) ----------------------------
    /// A client saw the write at `index` acknowledged (now, before any later read).
    void on_write_acked(raft::Index index);
    /// `node` accepted read `request_id` (read_index returned ok).
    void on_read_index(raft::NodeId node, const raft::RaftNode& raft, std::uint64_t request_id);
    /// `node`'s Ready confirmed a read at `read_state.index`.
    void on_read_state(raft::NodeId node, const raft::RaftNode& raft,
                       const raft::ReadState& read_state);
    /// `node` answered a read with its escort state.
    void on_read_served(raft::NodeId node, const ServedRead& read);

    // --- queries -------------------------------------------------------------
    /// The record of index `index`, if some node applied it.
    const AppliedRecord* applied(raft::Index index) const;
    raft::Index max_applied() const { return raft::Index{m_applied.size() - 1}; }
    /// Where (client_id, sequence) was applied as a move, if it was.
    /// The index where the timing command (client_id, sequence) was first
    /// applied, if any node applied it.
    std::optional<raft::Index> timing_index(const std::string& client_id,
                                            std::uint64_t sequence) const;
    std::optional<raft::Index> move_index(const std::string& client_id,
                                          std::uint64_t sequence) const;
    /// The leader recorded for `term`, if any.
    std::optional<raft::NodeId> leader_of(raft::Term term) const;
    std::uint64_t checks() const { return m_checks; }

private:
    struct NodeTrack {
        bool live = false;
        raft::Role role = raft::Role::follower;
        raft::Term role_term;
        /// While leader: the last index and its term at the previous check.
        raft::Index leader_last_index;
        raft::Term leader_last_term;
        raft::Term term_seen;
        /// Highest term carried by a message this node sent (any incarnation).
        raft::Term term_exposed;
        raft::Index commit_seen;
        /// Latest vote the node showed to others (a grant or its own candidacy).
        raft::Term vote_term;
        raft::NodeId vote_for;
        raft::Index last_applied;
        escort::Point lead;
        /// The mission ended on its target and no move has happened since.
        bool at_target = false;
        LogMirror mirror;
    };

    NodeTrack& track(raft::NodeId node);
    const AppliedRecord* applied_or_fail(raft::Index index, raft::NodeId node, const char* what);

    void mirror_snapshot(raft::NodeId node, NodeTrack& track, const raft::Snapshot& snapshot);
    void mirror_entries(raft::NodeId node, NodeTrack& track, const raft::RaftNode& raft,
                        const std::vector<raft::Entry>& entries);
    void check_log_matching(raft::NodeId node, raft::Index index, raft::Term term,
                            std::uint64_t chain);
    void record_vote(raft::NodeId node, NodeTrack& track, raft::Term term, raft::NodeId candidate);
    void check_apply_record(raft::NodeId node, NodeTrack& track, const raft::Entry& entry,
                            const escort::Escort& escort);
    void check_continuity(raft::NodeId node, NodeTrack& track, const raft::Entry& entry,
                          const escort::ApplyResult& result, const escort::Escort& escort);
    void check_leader(raft::NodeId node, NodeTrack& track, const raft::RaftNode& raft);
    void check_leader_completeness(raft::NodeId node, const NodeTrack& track, raft::Term term);

    std::string m_failure;
    std::uint64_t m_checks = 0;
    std::map<raft::NodeId, NodeTrack> m_nodes;
    /// Index -> record; slot 0 is the empty prefix.
    std::vector<AppliedRecord> m_applied = std::vector<AppliedRecord>(1);
    std::map<raft::Term, raft::NodeId> m_leaders;
    /// Index -> term of the leader that first committed it ("committed in term").
    std::vector<raft::Term> m_commit_terms = std::vector<raft::Term>(1);
    struct IndexTermHash {
        std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& key) const;
    };
    /// (index, term) -> chain hash, over every entry any node ever stored.
    std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t, IndexTermHash>
        m_chains;
    std::map<std::pair<std::string, std::uint64_t>, raft::Index> m_moves;
    std::map<std::pair<std::string, std::uint64_t>, raft::Index> m_timings;

    /// A read between read_index() and its answer.
    struct ReadTrack {
        raft::NodeId node;
        /// The term the node led when it accepted the read.
        raft::Term term;
        /// Highest index of a write acknowledged before the read began.
        raft::Index acked_floor;
        /// Highest index a read answered before this one began.
        raft::Index served_floor;
        bool confirmed = false;
        /// The confirmed read index (ReadState::index).
        raft::Index read_index;
    };
    /// Reads in flight by request id. Reads the core drops (its leader stepped
    /// down) stay until their node crashes: at most a few thousand per run.
    std::unordered_map<std::uint64_t, ReadTrack> m_reads;
    raft::Index m_acked_max;
    raft::Index m_served_max;
};

} // namespace raftescort::sim
