#pragma once

// RaftNode: one Raft participant as a pure, deterministic state machine.
//
// It has no threads, sockets, files or clocks. Time moves by tick(); peers'
// messages come in through step(); clients call propose(). Every effect is
// queued and handed to the runtime as a Ready (see ready.hpp for the order in
// which the runtime must carry it out). Same state + same inputs + same seed
// gives the same outputs, which is what makes the simulator possible.
//
// Not thread-safe: exactly one thread (the runtime's loop) owns a RaftNode.

#include <raftescort/raft/config.hpp>
#include <raftescort/raft/message.hpp>
#include <raftescort/raft/persisted_state.hpp>
#include <raftescort/raft/progress_tracker.hpp>
#include <raftescort/raft/ready.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::raft {

/// A log position handed back by propose(): the proposal is committed when
/// the entry at `index` is committed with this `term`; a different term there
/// means it was lost to a leader change.
struct LogPosition {
    Term term;
    Index index;

    bool operator==(const LogPosition&) const = default;
};

class RaftLog;

class RaftNode {
public:
    RaftNode(const Config& config, PersistedState state);
    ~RaftNode();
    RaftNode(const RaftNode&) = delete;
    RaftNode& operator=(const RaftNode&) = delete;

    /// Advances logical time by one tick.
    void tick();
    /// Handles a message from a peer. Messages from older terms are ignored.
    void step(const Message& message);

    /// Appends an application command (leader only).
    util::Result<LogPosition> propose(std::string data);
    /// Appends a membership change (leader only, one at a time).
    util::Result<LogPosition> propose_conf_change(const ConfChange& change);
    /// Hands leadership to `target` once it is caught up (dissertation §3.10).
    util::Status transfer_leadership(NodeId target);
    /// Asks for a linearizable read point (§8); the answer comes as a ReadState.
    util::Status read_index(std::uint64_t request_id);
    /// Starts an election now, as if the election timeout had passed.
    void campaign();
    /// A hint from the runtime that `leader`'s process is gone (its port
    /// refused a connection). A follower of `leader` forgets it, so that it
    /// grants pre-votes at once (in_lease no longer holds), and campaigns
    /// after a short random wait instead of a whole election timeout; any
    /// message from a leader sets the usual timeout again. Ignored by anyone
    /// else. A wrong hint is safe: an election always is, and with pre-vote
    /// a majority that still hears the leader refuses to follow.
    void leader_gone(NodeId leader);
    /// Changes the heartbeat and election timeout from now on (slow motion).
    /// The timers restart, so a change never fires an election by itself
    /// (it may only delay one). Refused, changing nothing, when the 3x rule
    /// of Config::validate would not hold.
    util::Status set_timing(std::uint32_t heartbeat_ticks, std::uint32_t election_ticks);
    std::uint32_t heartbeat_ticks() const { return m_config.heartbeat_ticks; }
    std::uint32_t election_ticks() const { return m_config.election_ticks; }
    /// Switches pre-vote (§9.6) and check-quorum (§6.2) on or off from now
    /// on. Neither is needed for safety, so any mix across nodes is safe;
    /// they only keep a node that was cut off from disrupting the cluster.
    /// Turning pre-vote off sends a pre-candidate back to following (its
    /// campaign asked a question nobody will ask again); turning
    /// check-quorum on gives a leader a fresh window of one election timeout
    /// to hear from a majority, so activity recorded while no one was
    /// counting never makes it step down.
    void set_protocol(bool pre_vote, bool check_quorum);
    bool pre_vote() const { return m_config.pre_vote; }
    bool check_quorum() const { return m_config.check_quorum; }

    /// The application took a snapshot of its state at `index` (already
    /// applied): entries up to it may be dropped from memory.
    void compact(Index index, std::string data);

    bool has_ready() const;
    /// Collects the batch of work for the runtime (see ready.hpp).
    Ready ready();
    /// The runtime has carried out `ready` completely.
    void advance(const Ready& ready);

    NodeId id() const { return m_config.id; }
    Role role() const { return m_role; }
    Term term() const { return m_term; }
    NodeId voted_for() const { return m_voted_for; }
    NodeId leader() const { return m_leader; }
    Index commit_index() const;
    Index applied_index() const;
    Index last_index() const;
    Index first_index() const;
    /// The term of the entry at `index`, if it is in memory (or is the snapshot point).
    std::optional<Term> term_at(Index index) const;
    /// Entries in [low, high] that are still in memory.
    std::vector<Entry> entries(Index low, Index high) const;
    const ConfState& conf() const { return m_conf; }
    HardState hard_state() const;
    /// The leader's view of its followers; empty unless leader.
    const ProgressTracker::Map& progress() const { return m_tracker.all(); }
    /// Index of the last membership change applied to `conf()`.
    Index conf_index() const { return m_conf_index; }
    /// The in-memory snapshot (the last one taken or installed), if any.
    const std::optional<Snapshot>& snapshot() const { return m_snapshot; }
    /// Election timeout drawn for this term, in ticks.
    std::uint32_t randomized_election_ticks() const { return m_randomized_election_ticks; }

private:
    enum class CampaignKind { pre_vote, election, transfer };

    void become_follower(Term term, NodeId leader);
    void become_pre_candidate();
    void become_candidate();
    void become_leader();
    void start_campaign(CampaignKind kind);
    void reset(Term term);
    void reset_randomized_election_ticks();

    void tick_election();
    void tick_heartbeat();

    /// Applies to the membership the conf changes logged in [from, to].
    void replay_conf_changes(Index from, Index to);
    /// Why this node cannot take a proposal now (not the leader, or handing
    /// leadership over), or Ok.
    util::Status proposal_refusal() const;

    bool step_term(const Message& message);
    void step_leader(const Message& message);
    void step_candidate(const Message& message);
    void step_follower(const Message& message);

    void handle_vote_request(const Message& message);
    void refuse_vote(const Message& request, VoteRefusal refusal);
    void handle_vote_response(const Message& message);
    void handle_append(const Message& message);
    void handle_append_response(const Message& message);
    void handle_heartbeat(const Message& message);
    void handle_heartbeat_response(const Message& message);
    void handle_snapshot_chunk(const Message& message);
    void handle_snapshot_response(const Message& message);
    void handle_timeout_now(const Message& message);

    bool promotable() const;
    bool in_lease() const;
    bool append_entries(std::vector<Entry> entries);
    bool maybe_commit();
    void commit_to(Index index);
    void send(Message message);
    void send_append(NodeId to, bool send_if_empty);
    void send_snapshot_chunk(NodeId to);
    void send_heartbeat(NodeId to, std::uint64_t read_round);
    /// Sends `to` every entry its inflight window allows (none if it has them all).
    void fill_window(NodeId to);
    void broadcast_append();
    void broadcast_heartbeat(std::uint64_t read_round);
    void apply_conf_entry(const Entry& entry);
    void apply_conf(const ConfState& conf);
    void maybe_promote_learners();
    void maybe_send_timeout_now(NodeId to);
    /// A heartbeat answer from `from` confirms the reads of rounds up to `read_round`.
    void confirm_reads(NodeId from, std::uint64_t read_round);
    void release_pending_reads();
    /// Entries up to this index may be handed to the application.
    Index apply_limit() const;
    void abort_transfer();
    void check_invariants() const;
    void log(util::LogLevel level, const std::string& message) const;

    Config m_config;
    /// Election jitter only; seeded from the config, so runs replay.
    util::Rng m_rng;
    util::NullLogger m_null_logger;
    /// Entries after the snapshot point, commit/applied/stable indexes.
    std::unique_ptr<RaftLog> m_log;

    Role m_role = Role::follower;
    /// Raft §5.1 currentTerm: never decreases; durable via HardState.
    Term m_term;
    /// Raft §5.2 votedFor in m_term; durable before any vote is sent.
    NodeId m_voted_for;
    /// The leader of m_term as far as this node knows; k_no_node if none.
    NodeId m_leader;
    /// Membership after every conf change applied so far (up to m_conf_index).
    ConfState m_conf;
    Index m_conf_index;

    /// Ticks since the leader was last heard from (follower) or since the
    /// last check-quorum round (leader).
    std::uint32_t m_election_elapsed = 0;
    std::uint32_t m_heartbeat_elapsed = 0;
    /// This term's timeout, in [election_ticks, 2 * election_ticks).
    std::uint32_t m_randomized_election_ticks = 0;

    /// Leader only: replication state per member, this node included.
    ProgressTracker m_tracker;
    /// (Pre-)candidate only: the answers received, granted or not.
    std::map<NodeId, bool> m_votes;
    /// Leader only: the voter leadership is being handed to, if any.
    NodeId m_transfer_target;
    /// A conf change is in the log but not yet applied: no new one until it is.
    Index m_pending_conf_index;

    /// Snapshot held in memory to send to lagging followers.
    std::optional<Snapshot> m_snapshot;
    /// Follower side: chunks received so far of an incoming snapshot.
    std::optional<SnapshotMetadata> m_incoming_snapshot;
    std::string m_incoming_snapshot_data;
    /// A snapshot installed by step() that the runtime has not yet persisted.
    std::optional<Snapshot> m_pending_snapshot;

    /// A ReadIndex request waiting for a quorum to confirm leadership.
    struct PendingRead {
        std::uint64_t request_id;
        /// The commit index when the read arrived: the read is served at or after it.
        Index index;
        /// The heartbeat round whose answers confirm it.
        std::uint64_t round;
        std::set<NodeId> acks;
    };
    std::vector<PendingRead> m_pending_reads;
    /// Reads that arrived before the leader committed an entry of its term.
    std::vector<std::uint64_t> m_reads_before_commit;
    std::uint64_t m_read_round = 0;
    /// Confirmed reads, handed out in the next Ready.
    std::vector<ReadState> m_read_states;

    /// Messages queued since the last Ready (the outbox).
    std::vector<Message> m_messages;
    /// Proposals were appended since the last Ready: send them in one batch.
    bool m_append_pending = false;
    /// The leader's commit index moved and no append or heartbeat has
    /// carried it to the followers yet.
    bool m_commit_unannounced = false;
    /// What the last Ready reported, so the next one carries only changes.
    std::optional<SoftState> m_last_soft_state;
    HardState m_last_hard_state;
};

} // namespace raftescort::raft
