#pragma once

// Settings of one Raft core. Times are in ticks: the runtime decides how long
// a tick is (the simulator uses virtual ticks).

#include <raftescort/raft/types.hpp>
#include <raftescort/util/logger.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>

#ifdef RAFTESCORT_MUTANTS
#include <raftescort/raft/mutations.hpp>
#endif

namespace raftescort::raft {

struct Config {
    NodeId id;

    /// A follower that hears nothing for this many ticks starts an election;
    /// the actual timeout is drawn from [election_ticks, 2 * election_ticks).
    std::uint32_t election_ticks = 10;
    /// A leader sends heartbeats every this many ticks.
    std::uint32_t heartbeat_ticks = 1;

    /// Seed for the election jitter; the core owns its generator.
    std::uint64_t seed = 1;

    /// Campaign in two phases so a partitioned node does not disrupt (§9.6).
    bool pre_vote = true;
    /// A leader that has not heard from a majority for an election timeout
    /// steps down, and voters ignore candidates while a leader is alive (§6.2).
    bool check_quorum = true;
    /// The leader promotes a learner to voter once it has caught up.
    bool auto_promote_learners = true;

    /// Limits of one append message.
    std::uint32_t entries_per_message_max = 256;
    std::uint64_t bytes_per_message_max = 1024 * 1024;
    /// Append messages in flight per follower before the leader waits.
    std::uint32_t inflight_messages_max = 64;
    /// Bytes per InstallSnapshot chunk.
    std::uint64_t snapshot_chunk_bytes = 64 * 1024;
    /// Proposals refused while this many entries are uncommitted.
    std::uint64_t uncommitted_entries_max = 4096;

#ifdef RAFTESCORT_MUTANTS
    /// Only in the simulator's build of the core (raftescort_core_mutants).
    Mutations mutations;
#endif

    util::Logger* logger = nullptr;

    util::Status validate() const;
};

} // namespace raftescort::raft
