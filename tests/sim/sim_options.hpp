#pragma once

// Every knob of one simulated run, derived from the seed alone (swarm
// testing: each seed enables a random subset of the faults), plus the
// deliberate bugs used to prove that the checker catches them.

#include <raftescort/raft/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace raftescort::sim {

/// Simulated network behaviour. Delays are in ticks; a delay range wider
/// than one tick reorders messages.
struct NetworkOptions {
    double drop_probability = 0.0;
    double duplicate_probability = 0.0;
    std::uint32_t delay_ticks_min = 1;
    std::uint32_t delay_ticks_max = 1;
    /// "Long reordering" (6.824): this share of messages is held back much longer.
    double long_delay_probability = 0.0;
    std::uint32_t long_delay_ticks_max = 0;
    /// Messages in flight per directed link; more are dropped (and counted).
    std::size_t link_queue_max = 256;
};

/// Partition shapes the simulator draws from: who is cut off from whom.
enum class PartitionShape : std::uint8_t {
    isolate_leader,
    isolate_follower,
    minority_split,
    bridge,
    majorities_ring,
    asymmetric_leader,
};
inline constexpr std::size_t k_partition_shape_count = 6;
const char* partition_shape_name(PartitionShape shape);

/// The random fault schedule of the chaos phase. Probabilities are per tick.
struct ChaosOptions {
    std::array<bool, k_partition_shape_count> partition_shapes{};
    double partition_probability = 0.0;
    std::uint32_t partition_ticks_min = 0;
    std::uint32_t partition_ticks_max = 0;
    /// While a partition is up, it is switched off and on every this many ticks (0 = steady).
    std::uint32_t flapping_period_ticks = 0;

    bool crash = false;
    double crash_probability = 0.0;
    std::uint32_t crash_down_ticks_min = 0;
    std::uint32_t crash_down_ticks_max = 0;
    /// Share of crashes that kill a node between its write and its fsync.
    double crash_mid_write_share = 0.0;
    /// A mid-write crash keeps a random prefix of the unsynced writes (a torn WAL tail).
    bool torn_writes = false;
    /// Share of crashes aimed at the leader.
    double crash_leader_share = 0.0;

    bool pause = false;
    double pause_probability = 0.0;
    std::uint32_t pause_ticks_min = 0;
    std::uint32_t pause_ticks_max = 0;

    bool membership = false;
    double membership_probability = 0.0;

    /// The leader hands leadership to a random other voter (dissertation §3.10).
    bool transfer = false;
    double transfer_probability = 0.0;

    /// RaftNode::leader_gone hints, as a node's probe gives them: each tick,
    /// a follower whose leader is down (crashed or stopped: its port would
    /// refuse) gets one with `leader_gone_probability`, and one whose leader
    /// is up (a wrong hint) with `leader_gone_wrong_probability`.
    bool leader_gone = false;
    double leader_gone_probability = 0.0;
    double leader_gone_wrong_probability = 0.0;
    /// Runtime flips of one node's pre-vote and check-quorum (each drawn on
    /// or off independently): each tick, with this probability, a random
    /// active node gets new settings, so nodes run with mixed settings.
    bool protocol_flips = false;
    double protocol_flip_probability = 0.0;

    bool partitions_enabled() const;
};

/// Deliberate bugs. The first four live in the core (raft::Mutations); the
/// last two in the simulated runtime/storage.
struct SimMutations {
    raft::Mutations core;
    /// (c) On restart, voted_for comes back as "none".
    bool forget_voted_for_on_restart = false;
    /// (d) Entries are fsynced one Ready late: messages (acks) go out before
    /// the entries they acknowledge are durable.
    bool ack_before_persist = false;

    bool any() const;
};

/// The six mutants of `--check-mutants`, by their letter.
inline constexpr std::array<char, 6> k_mutant_letters = {'a', 'b', 'c', 'd', 'e', 'f'};
/// Mutations with only mutant `letter` switched on; nullopt for an unknown letter.
std::optional<SimMutations> mutations_for(char letter);
const char* mutant_name(char letter);

struct SimOptions {
    std::uint64_t seed = 1;
    std::size_t voter_count = 3;
    /// Nodes that start outside the cluster (empty initial_conf) and may be added.
    std::size_t spare_count = 0;
    std::size_t client_count = 2;

    std::uint32_t chaos_ticks = 600;
    /// After the chaos phase, the cluster must converge within this many ticks.
    std::uint32_t heal_ticks_max = 400;
    /// Entries per append message (Config::entries_per_message_max). Small
    /// values split replication into many round trips, which opens the
    /// Figure 8 window (an old-term entry on a majority before the new term's).
    std::uint32_t entries_per_message_max = 256;
    /// A Figure-8-style seed: five voters, leaders crash often and briefly.
    bool figure8 = false;
    /// A node compacts its log every this many applied entries.
    std::uint32_t snapshot_interval_entries = 10;

    /// A client proposal not acknowledged within this many ticks is retried.
    std::uint32_t client_timeout_ticks = 30;
    /// Ticks a client waits between a completed request and the next one.
    std::uint32_t client_think_ticks_max = 10;
    /// Share of client requests that are linearizable reads (ReadIndex, §8)
    /// instead of moves; 0 = writes only.
    double read_share = 0.0;
    /// Share of client requests that change the cluster's timing (a
    /// replicated `timing` command: heartbeat and election timeout) instead
    /// of moving; 0 = never.
    double timing_share = 0.0;
    /// Whether a client's timing command also sets the replicated pre-vote
    /// and check-quorum switches (each own, on or off).
    bool timing_switches = false;

    /// The core's optional protections (raft::Config). Safety must hold
    /// without them; they only keep partitioned nodes from disrupting.
    bool pre_vote = true;
    bool check_quorum = true;

    NetworkOptions network;
    ChaosOptions chaos;
    SimMutations mutations;

    /// No fault at all is enabled: the mission must make progress.
    bool fault_free() const;

    /// All options of `seed`. Pure: the same seed gives the same options.
    static SimOptions from_seed(std::uint64_t seed);
    /// One option per line, for --trace.
    std::string describe() const;
};

} // namespace raftescort::sim
