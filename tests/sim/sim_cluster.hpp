#pragma once

// SimCluster: N simulated servers over one SimNetwork, driven by one global
// tick loop, with the Checker run after every event. It serves two users:
//
//  * the random runner (sim_run.cpp), which adds clients and a chaos
//    schedule on top, and
//  * hand-written scenario tests in the style of the MIT 6.824 Raft lab
//    (tests/sim/*_test.cpp), which drive it step by step:
//
//        SimCluster cluster(ClusterOptions{.seed = 7, .voter_count = 3});
//        auto leader = cluster.check_one_leader();        // elect, within a budget
//        REQUIRE(leader);
//        cluster.disconnect(*leader);                     // cut all its links
//        REQUIRE(cluster.one("move 1 0 c=t s=1", 2).ok()); // the other two commit
//        cluster.connect(*leader);
//        cluster.crash(NodeId{2}); cluster.restart(NodeId{2});
//        cluster.run_ticks(50);
//        REQUIRE_FALSE(cluster.failed());                 // no invariant broke
//
// Time: one tick = deliver every message due now (one event each), then
// tick every active node in id order (one event each), then the autopilot.
// Nothing moves between calls; everything is a function of the seed and the
// calls made, so a scenario replays exactly.
//
// Node ids are 1..voter_count for the founding voters, then the spares.
// After a checker failure the cluster keeps running if asked, but nodes no
// longer carry out Readies and the first failure message stays; tests
// should check failed() / failure().

#include "sim/checker.hpp"
#include "sim/sim_network.hpp"
#include "sim/sim_node.hpp"
#include "sim/sim_options.hpp"

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace raftescort::sim {

struct ClusterOptions {
    /// Fixes every random choice: election jitter, network faults, torn writes.
    std::uint64_t seed = 1;
    /// Founding voters (initial_conf of all of them = all of them).
    std::size_t voter_count = 3;
    /// Extra nodes with an empty initial_conf, waiting to be added as learners.
    std::size_t spare_count = 0;
    std::uint32_t election_ticks = 10;
    std::uint32_t heartbeat_ticks = 1;
    std::uint32_t entries_per_message_max = 256;
    /// Each node compacts after this many applied entries; 0 = never.
    std::uint32_t snapshot_interval_entries = 0;
    /// The network starts reliable: no drops, one tick of delay.
    NetworkOptions network;
    SimMutations mutations;
    /// The leader proposes a mission step whenever it has none pending.
    bool autopilot = false;
    /// When set, a readable event trace (and the core's log) goes here.
    std::ostream* trace = nullptr;
    /// raft::Config::pre_vote and check_quorum of every node.
    bool pre_vote = true;
    bool check_quorum = true;
};

/// How many live nodes applied an index, and what (6.824 nCommitted).
struct Committed {
    std::size_t count = 0;
    std::string data;
    raft::Term term;
};

class SimCluster final : private NodeListener {
public:
    using ApplyObserver =
        std::function<void(raft::NodeId, const raft::Entry&, const escort::ApplyResult&)>;
    using ReadObserver = std::function<void(raft::NodeId, const ServedRead&)>;

    explicit SimCluster(const ClusterOptions& options);
    ~SimCluster() override;
    SimCluster(const SimCluster&) = delete;
    SimCluster& operator=(const SimCluster&) = delete;

    // --- nodes -------------------------------------------------------------------
    /// All node ids, founding voters first, then spares.
    const std::vector<raft::NodeId>& node_ids() const { return m_ids; }
    SimNode& node(raft::NodeId id);
    const SimNode& node(raft::NodeId id) const;
    /// The membership as the most up-to-date live node sees it (highest conf index).
    raft::ConfState current_conf() const;

    // --- time --------------------------------------------------------------------
    std::uint64_t now() const { return m_now; }
    /// One global tick (see the header comment). Checks run after every event.
    void run_tick();
    /// `ticks` ticks; stops early once the checker failed.
    void run_ticks(std::uint32_t ticks);
    /// Ticks until `done()` holds (checked before each tick); false if it did not
    /// within `ticks_max` ticks or the checker failed.
    bool run_until(const std::function<bool()>& done, std::uint32_t ticks_max);

    // --- faults ------------------------------------------------------------------
    /// Power cut now; `torn` keeps a random prefix of unsynced writes.
    void crash(raft::NodeId id, bool torn = false);
    /// Crash inside the node's next Ready, between write and fsync.
    void crash_during_next_write(raft::NodeId id, bool torn);
    /// Boots a crashed node from its storage.
    void restart(raft::NodeId id);
    /// Crash for good (a removed member).
    void stop(raft::NodeId id);
    /// No ticks, no deliveries until resume(); messages for it wait.
    void pause(raft::NodeId id);
    void resume(raft::NodeId id);
    /// 6.824 disconnect/connect: all links of the node down/up (messages lost).
    void disconnect(raft::NodeId id);
    void connect(raft::NodeId id);
    /// One directed link; partitions are sets of these.
    void block_link(raft::NodeId from, raft::NodeId to);
    void unblock_link(raft::NodeId from, raft::NodeId to);
    /// Cuts every link between different groups (nodes in no group are cut
    /// from everyone). Replaces the current blocked-link set.
    void partition(const std::vector<std::vector<raft::NodeId>>& groups);
    /// Clears blocked links and reconnects every node.
    void heal_network();
    void set_network(const NetworkOptions& options);
    const NetworkOptions& network_options() const;
    /// 6.824 unreliable: 10% drop, 1-3 ticks delay (reordering).
    void set_unreliable(bool unreliable);
    /// 6.824 long reordering: some messages are held back 10-60 ticks.
    void set_long_reordering(bool on);

    // --- Raft-level helpers --------------------------------------------------------
    /// Active nodes that believe they lead.
    std::vector<raft::NodeId> leaders() const;
    /// The active leader of the highest term, if any.
    std::optional<raft::NodeId> leader() const;
    /// 6.824 checkOneLeader: ticks until some term has a leader among the
    /// active, connected nodes and returns the leader of the newest term;
    /// nullopt if none appears within `ticks_max`.
    std::optional<raft::NodeId> check_one_leader(std::uint32_t ticks_max = 100);
    /// The term every active node agrees on, if they agree (6.824 checkTerms).
    std::optional<raft::Term> agreed_term() const;
    /// 6.824 nCommitted: live nodes that applied `index` (identical by the checker).
    Committed n_committed(raft::Index index) const;
    /// 6.824 one(): proposes `data` at a leader and waits until
    /// `expected_servers` live nodes applied it at the returned index; with
    /// `retry` it proposes again after a leader change. Returns the index.
    util::Result<raft::Index> one(const std::string& data, std::size_t expected_servers,
                                  bool retry = true, std::uint32_t ticks_max = 300);
    /// Proposes at one node (an event: checked).
    util::Result<raft::LogPosition> propose(raft::NodeId id, std::string data);
    util::Result<raft::LogPosition> propose_conf_change(raft::NodeId id,
                                                        const raft::ConfChange& change);
    /// Starts linearizable read `request_id` at one node (an event: checked).
    /// `request_id` must be unique in the run; the answer, if any, comes to
    /// the read observer once the node has applied up to its read index.
    util::Status read_index(raft::NodeId id, std::uint64_t request_id);
    /// Asks the leader `id` to hand leadership to `target` (an event: checked).
    util::Status transfer_leadership(raft::NodeId id, raft::NodeId target);
    /// Tells node `id` that `leader` is gone (RaftNode::leader_gone; an event: checked).
    void leader_gone(raft::NodeId id, raft::NodeId leader);
    /// Switches node `id`'s pre-vote and check-quorum (RaftNode::set_protocol; an event: checked).
    void set_protocol(raft::NodeId id, bool pre_vote, bool check_quorum);

    // --- checking and observing ------------------------------------------------------
    bool failed() const { return m_checker.failed(); }
    const std::string& failure() const { return m_checker.failure(); }
    Checker& checker() { return m_checker; }
    const Checker& checker() const { return m_checker; }
    /// Called for every entry any node applies (clients use it for acks).
    void set_apply_observer(ApplyObserver observer) { m_apply_observer = std::move(observer); }
    /// Called for every read a node serves (clients use it for answers).
    void set_read_observer(ReadObserver observer) { m_read_observer = std::move(observer); }
    void set_autopilot(bool on) { m_options.autopilot = on; }
    std::uint64_t events() const { return m_events; }
    const NetworkStats& network_stats() const { return m_network.stats(); }
    /// Writes one trace line (prefixed with the tick) when tracing.
    void trace(const std::string& line);
    bool tracing() const { return m_options.trace != nullptr; }

private:
    void on_role_change(raft::NodeId node, const raft::SoftState& soft_state) override;
    void on_applied(raft::NodeId node, const raft::Entry& entry,
                    const escort::ApplyResult& result) override;
    void on_snapshot_installed(raft::NodeId node, const raft::Snapshot& snapshot) override;
    void on_core_log(raft::NodeId node, util::LogLevel level, std::string_view line) override;
    void on_read_served(raft::NodeId node, const ServedRead& read) override;

    void deliver(const raft::Message& message);
    void after_event(SimNode& node);
    void run_autopilot();
    util::Rng& torn_rng() { return m_torn_rng; }

    ClusterOptions m_options;
    std::uint64_t m_now = 0;
    std::uint64_t m_events = 0;
    Checker m_checker;
    SimNetwork m_network;
    util::Rng m_torn_rng;
    std::vector<raft::NodeId> m_ids;
    std::vector<std::unique_ptr<SimNode>> m_nodes;
    ApplyObserver m_apply_observer;
    ReadObserver m_read_observer;
};

/// A message in one line, for traces.
std::string describe_message(const raft::Message& message);

} // namespace raftescort::sim
