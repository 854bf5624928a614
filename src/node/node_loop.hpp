#pragma once

// NodeLoop: the one thread that owns a node's Replica, so the core needs no
// locks.
//
// Every input reaches the core through this thread: peers' messages and
// client requests are queued by HTTP threads, ticks come from the monotonic
// clock. After each batch of inputs the loop carries out the core's Ready
// (persist with one fsync, then send, then apply; runtime/replica.hpp), so
// proposals that arrive together share one append and one fsync. Senders
// are per peer (transport/peer_sender.hpp); the loop only enqueues.
//
// Client requests get a future. A proposal is answered once its entry is
// applied, or as lost when another entry took its index, or never (the
// caller's timeout then says "outcome unknown", which is the honest answer
// when a leader loses its quorum: a move is never reported as a false success).

#include "node/address_book.hpp"
#include "node/log_window.hpp"
#include "node/message_trace.hpp"
#include "node/node_status.hpp"
#include "node/registry_worker.hpp"

#include <raftescort/chaos/fault_plan.hpp>
#include <raftescort/escort/escort.hpp>
#include <raftescort/runtime/replica.hpp>
#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/util/result.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace raftescort::node {

struct NodeLoopOptions {
    std::string cluster_id;
    std::string self_address;
    std::string cluster_token;
    /// Enabled: peers are reached over mutual TLS.
    transport::TlsFiles tls;
    /// Length of one core tick; heartbeat and election timeout are whole ticks.
    std::int64_t tick_ms = 10;
    std::int64_t step_interval_ms = 1000;
    bool autopilot = true;
    /// Peer messages waiting for the loop; beyond this the endpoint answers 503.
    std::size_t inbox_messages_max = 16384;
    /// Applied entries kept for /logs.
    std::size_t logged_entries_max = 10000;
    /// Keep the message trace (message_trace.hpp) for GET /raft/trace.
    bool trace = true;
    /// A follower that has not heard from its leader for this long probes
    /// the leader's port, at most once per this long; a refused connect means
    /// the leader's process is gone and the follower campaigns early
    /// (RaftNode::leader_gone). 0: never probe.
    std::int64_t leader_probe_after_ms = 0;
    /// Opens the node's data directory again, as a restarting process
    /// would; the built-in crash fault ends with it. Empty: crash is refused.
    std::function<util::Result<std::unique_ptr<runtime::Replica>>()> reopen;
};

/// How a client request ended.
struct RequestOutcome {
    enum class Kind {
        /// Committed and applied; the fields below describe the result.
        committed,
        /// This node is not the leader; `leader` / `leader_name` hint where to go.
        not_leader,
        /// Refused before it reached the log (bad state, conflict, busy).
        refused,
        /// Another entry took its index: it will never be applied. Safe to retry.
        lost,
    };
    Kind kind = Kind::refused;
    std::string message;
    /// refused: true when retrying later may succeed (busy), false when not.
    bool retryable = false;
    raft::NodeId leader;
    std::string leader_name;
    raft::Term term;
    raft::Index index;
    escort::ApplyResult result;
    escort::Mission mission;
    std::vector<NodePosition> positions;
    /// A log window read (NodeLoop::log_window), when `kind` is committed.
    LogWindow log_window;
};

class NodeLoop {
public:
    using FatalHandler = std::function<void(const std::string& message)>;

    /// Takes the Replica (opened and ready); starts the loop thread.
    /// `on_fatal` is called once, from the loop thread, when storage fails.
    NodeLoop(std::unique_ptr<runtime::Replica> replica, NodeLoopOptions options,
             AddressBook& address_book, RegistryWorker& registry, FatalHandler on_fatal);
    /// Stops the loop (if stop() was not called) and the senders.
    ~NodeLoop();
    NodeLoop(const NodeLoop&) = delete;
    NodeLoop& operator=(const NodeLoop&) = delete;

    /// Stops the loop thread: no more ticks, messages or proposals; requests
    /// made from now on are refused at once. The object stays valid for the
    /// HTTP threads that still hold it. Idempotent.
    void stop();

    /// From the transport: queue a peer's messages (one request's batch), in
    /// order, all or none. False when they do not fit in the inbox or the
    /// loop stopped.
    bool deliver(std::vector<transport::InboundMessage> messages);
    /// Propose an escort command (encode_command form). With `fence`, the
    /// proposal is made only if this node leads in exactly that term (the
    /// caller's fencing token): a client that picked this node as the leader
    /// of an older term is told who leads now instead.
    std::future<RequestOutcome> propose(std::string command,
                                        std::optional<raft::Term> fence = std::nullopt);
    /// Add `node` at `address` as a learner (leader only).
    std::future<RequestOutcome> add_node(raft::NodeId node, std::string address);
    /// Remove `node` from the membership (leader only).
    std::future<RequestOutcome> remove_node(raft::NodeId node);
    /// Hand leadership to `target`, or to the most caught-up voter when it is
    /// k_no_node (leader only). Answered once another node leads; the
    /// outcome's `leader` and `term` name it.
    std::future<RequestOutcome> transfer_leadership(raft::NodeId target);
    /// Puts `fault` in force on this node, or heals every fault when it is
    /// nullopt (chaos/fault.hpp). Answered "committed" once the loop did it;
    /// status().faults then shows what is in force. A crash is refused
    /// ("refused") when the loop was given no way to reopen its data dir.
    std::future<RequestOutcome> chaos(std::optional<chaos::FaultSpec> fault);
    /// Heals the fault of `kind` only ("recover" heals a crash): the node
    /// has recovered from its data dir when this is answered.
    std::future<RequestOutcome> heal(chaos::FaultKind kind);

    NodeStatus status() const;
    /// A window of the Raft log as the loop sees it between two turns
    /// (log_window.hpp), in the outcome's `log_window`; refused while
    /// crashed, held while paused, like every client request.
    std::future<RequestOutcome> log_window(std::optional<raft::Index> from, std::size_t limit);
    /// Applied entries with index >= from, at most `limit`, oldest first.
    std::vector<LoggedEntry> logs(raft::Index from, std::size_t limit) const;
    raft::NodeId id() const { return m_id; }
    /// The message trace after `after` (message_trace.hpp); empty when the
    /// trace is off.
    TracePage trace(std::uint64_t after, std::size_t limit);
    std::uint64_t trace_newest();
    bool tracing() const { return m_options.trace; }

private:
    struct Proposal {
        std::string command;
        std::optional<raft::Term> fence;
        std::promise<RequestOutcome> promise;
    };
    struct AddNode {
        raft::NodeId node;
        std::string address;
        std::promise<RequestOutcome> promise;
    };
    struct RemoveNode {
        raft::NodeId node;
        std::promise<RequestOutcome> promise;
    };
    struct TransferLeadership {
        raft::NodeId target;
        std::promise<RequestOutcome> promise;
    };
    /// A probe found nothing listening at `peer`'s address.
    struct PeerRefused {
        raft::NodeId peer;
    };
    struct ChaosRequest {
        /// Put in force; with neither this nor `heal_kind`, heal every fault.
        std::optional<chaos::FaultSpec> fault;
        std::optional<chaos::FaultKind> heal_kind;
        std::promise<RequestOutcome> promise;
    };
    struct LogWindowRequest {
        std::optional<raft::Index> from;
        std::size_t limit = 0;
        std::promise<RequestOutcome> promise;
    };
    using Input = std::variant<transport::InboundMessage, Proposal, AddNode, RemoveNode,
                               TransferLeadership, PeerRefused, ChaosRequest, LogWindowRequest>;
    struct Pending {
        raft::Term term;
        std::promise<RequestOutcome> promise;
    };

    // The loop thread, the inbox, ticks and the autopilot (node_loop.cpp).
    void run();
    void handle(Input& input);
    /// From a sender thread: queues a PeerRefused.
    void peer_refused(raft::NodeId peer);
    /// Queues a client request for the loop, or answers it at once when
    /// the loop has stopped.
    template <typename Request>
    std::future<RequestOutcome> submit(Request request);
    void tick_until(std::int64_t now_ms);
    void drive_autopilot(std::int64_t now_ms);

    // Client requests and their outcomes (node_loop_requests.cpp).
    void handle_proposal(Proposal& proposal);
    void handle_add_node(AddNode& request);
    void handle_remove_node(RemoveNode& request);
    void handle_transfer(TransferLeadership& request);
    void handle_log_window(LogWindowRequest& request);
    void settle_transfers();
    void track(raft::LogPosition position, std::promise<RequestOutcome> promise);
    void settle(const runtime::AppliedEntry& applied);
    /// Answers are given only after the status that reflects them is
    /// published (deliver_answers, at the end of each loop iteration).
    void answer_after_publish(std::promise<RequestOutcome> promise, RequestOutcome outcome);
    void deliver_answers();
    RequestOutcome not_leader_outcome() const;
    static RequestOutcome stopping_outcome();
    RequestOutcome committed_outcome(const runtime::AppliedEntry& applied) const;

    // Peers' messages, the Ready, senders and reply slots (node_loop_ready.cpp).
    void handle_message(const transport::InboundMessage& inbound);
    /// Hands a peer's message to the core (after the faults let it through).
    void step_message(const transport::InboundMessage& inbound);
    void handle_peer_refused(const PeerRefused& refused);
    /// A follower whose leader went silent asks the leader's sender to probe.
    void probe_silent_leader(std::int64_t now_ms);
    bool process_ready();
    void send(std::vector<raft::Message>& messages);
    /// The sender for `peer`, made on first use; null while its address is unknown.
    transport::PeerSender* sender_for(raft::NodeId peer);
    /// Ends this iteration's reply slots: their requests are answered now.
    void close_reply_slots();
    void update_sender_addresses();

    // Candidacies, ballots, leaderships and role changes (node_loop_elections.cpp).
    /// Records a vote answer to this node's own candidacy.
    void record_ballot(const raft::Message& message);
    void observe_role();
    /// The candidacy ended: won, lost, split or superseded.
    void end_candidacy(raft::Role role, raft::Term term);
    void begin_candidacy(raft::Term term);
    void record_leadership(raft::Term term, std::uint32_t votes);
    void record_role_change(raft::Role role, raft::Term term);

    // Applied entries and the published status (node_loop_status.cpp).
    void record_applied(const runtime::AppliedEntry& applied);
    void publish_status();
    void publish_crashed_status();
    void add_members(NodeStatus& status, const raft::ConfState& conf) const;
    PeerStatus peer_status(raft::NodeId peer, bool learner) const;
    std::string role_name() const;

    /// Null while a built-in crash is in force (its data dir is closed).
    std::unique_ptr<runtime::Replica> m_replica;
    NodeLoopOptions m_options;
    raft::NodeId m_id;
    AddressBook& m_address_book;
    RegistryWorker& m_registry;
    FatalHandler m_on_fatal;

    // The inbox, shared with HTTP threads.
    std::mutex m_inbox_mutex;
    std::condition_variable m_inbox_ready;
    std::deque<Input> m_inbox;
    std::size_t m_inbox_messages = 0;
    bool m_stopping = false;

    // Loop-thread state.
    std::map<raft::NodeId, std::unique_ptr<transport::PeerSender>> m_senders;
    /// Per peer, the newest request handled in this iteration that takes
    /// answers in its response; closed at the end of the iteration.
    std::map<raft::NodeId, std::shared_ptr<transport::ReplySlot>> m_reply_slots;
    /// When the loop last woke, and when each peer was last heard from then.
    std::int64_t m_wake_ms = 0;
    std::map<raft::NodeId, std::int64_t> m_heard_ms;
    /// When the silent leader's port was last probed.
    std::int64_t m_leader_probed_ms = 0;
    std::uint64_t m_address_version = 0;
    std::map<raft::Index, Pending> m_pending;
    std::int64_t m_next_tick_ms = 0;
    std::int64_t m_next_step_ms = 0;
    /// The autopilot's step proposal in flight, if any: one at a time, so a
    /// step is always taken from the committed lead point.
    std::optional<raft::Index> m_step_in_flight;
    /// The term in which the autopilot last proposed to start the mission.
    raft::Term m_mission_start_term;
    raft::Role m_last_role = raft::Role::follower;
    raft::Term m_last_term;
    /// This node's own candidacy, while it lasts, and the votes it won.
    std::optional<raft::Term> m_candidacy_term;
    std::uint32_t m_votes_granted = 0;
    std::set<raft::NodeId> m_voters_granted;
    bool m_failed = false;
    /// Transfers started and not yet seen through, oldest first.
    std::vector<std::promise<RequestOutcome>> m_transfers;
    std::vector<std::pair<std::promise<RequestOutcome>, RequestOutcome>> m_answers;
    NodeMetrics m_metrics;
    raft::NodeId m_last_leader;
    /// The uncommitted tail, to notice entries a new leader overwrites.
    LogTailWatch m_log_watch;
    /// Written by the loop thread, read by HTTP threads (it locks itself).
    MessageTrace m_trace;

    // Published for HTTP threads.
    mutable std::mutex m_status_mutex;
    NodeStatus m_status;
    std::deque<LoggedEntry> m_logged;

    // The replicated timing (node_loop_timing.cpp).
    /// Puts the escort's timing in force when a timing command (or a
    /// snapshot holding one) was applied since the last call.
    void follow_timing();
    /// Remembers a freshly opened Replica's own timing, for a reset.
    void note_base_timing();

    struct BaseTiming {
        std::uint32_t heartbeat_ticks = 1;
        std::uint32_t election_ticks = 3;
        std::int64_t step_interval_ms = 0;
        std::int64_t leader_probe_after_ms = 0;
        bool pre_vote = true;
        bool check_quorum = true;
    };
    BaseTiming m_base_timing;
    /// The index of the timing command in force; 0: the base timing.
    raft::Index m_timing_index;

    // Built-in faults at the loop's edges (node_loop_faults.cpp).
    bool crashed() const { return m_replica == nullptr; }
    void handle_chaos(ChaosRequest& request);
    /// Heals the faults whose time is up.
    void expire_faults(std::int64_t now_ms);
    void record_fault(const std::string& detail);
    /// While crashed, a peer's message is dropped and a client request
    /// refused; while paused, a peer's message is dropped and a client
    /// request held. True when it did so; false: the caller handles it.
    bool intercept_while_down(Input& input);
    void resume_held_requests();
    /// Crashes or recovers so that the data dir is open exactly when no
    /// crash is in force. False when recovery failed (a fatal error).
    bool follow_crash_fault();
    void crash_now();
    bool recover_now();
    static RequestOutcome crashed_outcome();
    /// Answers a client request with `outcome`; ends a peer's request.
    static void answer_request(Input& input, const RequestOutcome& outcome);
    /// A disk stall in force holds the loop after a Ready that wrote, as a
    /// slow fsync would, before what the write promised is sent.
    void stall_disk_write(std::uint64_t saves_before);
    /// False when a fault drops or delays the message.
    bool admit_inbound(const transport::InboundMessage& inbound);
    bool admit_outbound(raft::Message& message);
    void trace_message(const raft::Message& message, TracedMessage::Fate fate);
    /// Hands on the delayed and duplicated messages that are due.
    void release_delayed(std::int64_t now_ms);

    chaos::FaultPlan m_faults;
    /// Held messages, by the time they are due.
    std::multimap<std::int64_t, transport::InboundMessage> m_delayed_in;
    std::multimap<std::int64_t, raft::Message> m_delayed_out;
    /// Client requests that arrived while paused, in order.
    std::deque<Input> m_held_requests;

    std::thread m_thread;
};

} // namespace raftescort::node
