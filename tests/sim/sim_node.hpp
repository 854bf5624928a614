#pragma once

// SimNode: one simulated server. It owns a RaftNode and the Escort it
// applies to, over a SimStorage that outlives crashes, and carries out each
// Ready exactly as ready.hpp prescribes: persist, fsync, send, install the
// snapshot, apply, advance. Every K applied entries it compacts the log, so
// lagging followers must be caught up with InstallSnapshot.
//
// Lifecycle: start() builds the core from storage (first boot or restart);
// crash() drops the core and the escort and loses unsynced writes; pause()
// stops ticks and deliveries (messages wait in the network); stop() is a
// crash that never restarts (a removed member).

#include "sim/checker.hpp"
#include "sim/served_read.hpp"
#include "sim/sim_network.hpp"
#include "sim/sim_options.hpp"
#include "sim/sim_storage.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/raft/raft_node.hpp>
#include <raftescort/util/logger.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace raftescort::sim {

/// Everything a node needs to boot; fixed for the node's life.
struct NodeSetup {
    raft::NodeId id;
    /// The Raft bootstrap membership: all voters for founding nodes, empty for spares.
    raft::ConfState initial_conf;
    std::uint64_t run_seed = 1;
    std::uint32_t election_ticks = 10;
    std::uint32_t heartbeat_ticks = 1;
    std::uint32_t entries_per_message_max = 256;
    /// Compact after this many applied entries; 0 = never.
    std::uint32_t snapshot_interval_entries = 0;
    SimMutations mutations;
    /// raft::Config::pre_vote and check_quorum.
    bool pre_vote = true;
    bool check_quorum = true;
};

/// Callbacks from a node's Ready handling to the cluster (client acks, trace).
class NodeListener {
public:
    virtual ~NodeListener() = default;
    virtual void on_role_change(raft::NodeId node, const raft::SoftState& soft_state) = 0;
    virtual void on_applied(raft::NodeId node, const raft::Entry& entry,
                            const escort::ApplyResult& result) = 0;
    virtual void on_snapshot_installed(raft::NodeId node, const raft::Snapshot& snapshot) = 0;
    /// The core wrote a log line (only when tracing).
    virtual void on_core_log(raft::NodeId node, util::LogLevel level, std::string_view line) = 0;
    virtual void on_read_served(raft::NodeId node, const ServedRead& read) = 0;
};

/// A `timing` command speaks milliseconds; in the simulation one tick is this long.
inline constexpr std::int64_t k_sim_tick_ms = 10;

class SimNode {
public:
    SimNode(NodeSetup setup, SimNetwork& network, Checker& checker, NodeListener& listener,
            const std::uint64_t& now, bool core_logging);
    SimNode(const SimNode&) = delete;
    SimNode& operator=(const SimNode&) = delete;

    raft::NodeId id() const { return m_setup.id; }
    /// Running: started, not crashed, not stopped (it may be paused).
    bool live() const { return m_raft != nullptr; }
    bool paused() const { return m_paused; }
    bool stopped() const { return m_stopped; }
    /// Live and not paused: it ticks and takes messages.
    bool active() const { return live() && !m_paused; }
    std::uint64_t incarnation() const { return m_incarnation; }

    /// Boots the core from storage. Fails the checker (and stays down) if the
    /// durable state is inconsistent.
    void start();
    /// Power cut now: the core and escort vanish; unsynced writes are lost
    /// (or a random prefix survives when `torn_rng` is given).
    void crash(util::Rng* torn_rng);
    /// Crash inside the next Ready that writes something, between its writes
    /// and its fsync (the most damaging kill point).
    void crash_during_next_write(util::Rng* torn_rng);
    bool crash_pending() const { return m_crash_pending; }
    void pause() { m_paused = true; }
    void resume() { m_paused = false; }
    /// Crash for good.
    void stop();

    void tick();
    void step(const raft::Message& message);

    util::Result<raft::LogPosition> propose(std::string data);
    util::Result<raft::LogPosition> propose_conf_change(const raft::ConfChange& change);
    /// RaftNode::read_index; a confirmed read is served once applied catches up.
    util::Status read_index(std::uint64_t request_id);
    util::Status transfer_leadership(raft::NodeId target);
    void leader_gone(raft::NodeId leader);
    /// RaftNode::set_protocol: this node's own runtime flip, which lasts
    /// until a timing command is applied or the node restarts.
    void set_protocol(bool pre_vote, bool check_quorum);

    /// The core; only while live().
    raft::RaftNode& raft();
    const raft::RaftNode& raft() const;
    const escort::Escort& escort() const;
    const SimStorage& storage() const { return m_storage; }

    /// Autopilot: the leader's step in flight, if any (term and index it was proposed at).
    std::optional<raft::LogPosition> pending_step;

private:
    class CoreLogger final : public util::Logger {
    public:
        CoreLogger(SimNode& node) : m_node(node) { }
        void log(util::LogLevel level, std::string_view message) override;

    private:
        SimNode& m_node;
    };

    void process_ready();
    void persist(const raft::Ready& ready);
    void apply(const raft::Ready& ready);
    /// Puts the escort's timing in force in the core, as the runtime does
    /// after applying a timing command, installing a snapshot or restarting.
    void follow_timing();
    void maybe_compact();
    /// Takes the Ready's read states and answers those whose index is applied.
    void serve_reads(const raft::Ready& ready);

    NodeSetup m_setup;
    SimNetwork& m_network;
    Checker& m_checker;
    NodeListener& m_listener;
    const std::uint64_t& m_now;
    CoreLogger m_core_logger;
    bool m_core_logging = false;

    SimStorage m_storage;
    std::unique_ptr<raft::RaftNode> m_raft;
    std::unique_ptr<escort::Escort> m_escort;
    bool m_paused = false;
    bool m_stopped = false;
    bool m_crash_pending = false;
    util::Rng* m_crash_torn_rng = nullptr;
    std::uint64_t m_incarnation = 0;
    raft::Index m_last_compacted;
    /// Confirmed reads waiting for the escort to apply up to their index. At
    /// most one per client; a crash drops them (the client times out).
    std::vector<raft::ReadState> m_waiting_reads;
};

} // namespace raftescort::sim
