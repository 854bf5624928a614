#pragma once

// Settings of one Raft core. Times are in ticks: the runtime decides how long
// a tick is (the simulator uses virtual ticks).

#include <raftescort/raft/types.hpp>
#include <raftescort/util/logger.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>

namespace raftescort::raft {

/// Deliberate bugs for proving the simulator catches them. Never set outside
/// tests; each one breaks a rule of the Raft paper.
struct Mutations {
    /// (a) Grant votes without the §5.4.1 "log at least as up to date" check.
    bool vote_without_log_check = false;
    /// (b) Commit an entry of an earlier term by counting replicas (§5.4.2, Figure 8).
    bool commit_old_term_by_count = false;
    /// (e) A leader ignores messages carrying a higher term (§5.1).
    bool leader_ignores_higher_term = false;
    /// (f) A follower hands entries to the application before they are committed.
    bool apply_before_commit = false;
};

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

    Mutations mutations;

    util::Logger* logger = nullptr;

    util::Status validate() const;
};

} // namespace raftescort::raft
