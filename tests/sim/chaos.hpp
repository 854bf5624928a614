#pragma once

// Chaos: the random fault schedule of a run's chaos phase, drawn tick by
// tick from the seed: partitions of each enabled shape (steady or
// flapping), crashes (clean, or between write and fsync with torn writes)
// with a later restart, pauses, single-server membership changes, and
// leadership transfers to a random other voter, and runtime flips of one
// node's pre-vote and check-quorum. A
// crash budget keeps a majority of the voters up, so the cluster can always
// recover once the faults stop.

#include "sim/sim_cluster.hpp"
#include "sim/sim_options.hpp"

#include <raftescort/raft/types.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace raftescort::sim {

class Chaos {
public:
    Chaos(const ChaosOptions& options, std::uint64_t seed);

    /// Injects or lifts faults; call before each chaos-phase tick.
    void before_tick(SimCluster& cluster);
    /// Lifts every fault: restarts crashed nodes, resumes paused ones, heals
    /// the network and stops removed members for good.
    void heal(SimCluster& cluster);

    std::uint64_t crashes() const { return m_crashes; }
    std::uint64_t partitions() const { return m_partitions; }
    std::uint64_t transfers() const { return m_transfers; }
    std::uint64_t leader_gone_hints() const { return m_leader_gone_hints; }
    std::uint64_t protocol_flips() const { return m_protocol_flips; }

private:
    void step_partition(SimCluster& cluster);
    void apply_partition(SimCluster& cluster);
    void step_crashes(SimCluster& cluster);
    void step_pauses(SimCluster& cluster);
    void step_membership(SimCluster& cluster);
    void step_transfer(SimCluster& cluster);
    void step_leader_gone(SimCluster& cluster);
    void step_protocol_flip(SimCluster& cluster);
    /// Voters of the current configuration that are crashed, paused or arming a crash.
    std::size_t voters_down(SimCluster& cluster, const raft::ConfState& conf) const;
    bool may_take_down(SimCluster& cluster, raft::NodeId id);
    std::optional<raft::NodeId> pick_victim(SimCluster& cluster, double leader_share);
    std::vector<raft::NodeId> live_members(SimCluster& cluster) const;

    ChaosOptions m_options;
    util::Rng m_rng;

    std::optional<PartitionShape> m_shape;
    std::vector<std::vector<raft::NodeId>> m_groups;
    std::uint64_t m_partition_end_tick = 0;
    bool m_partition_up = false;

    /// Down nodes and the tick they come back.
    std::map<raft::NodeId, std::uint64_t> m_restart_tick;
    std::map<raft::NodeId, std::uint64_t> m_resume_tick;
    /// Removed members and the tick they are stopped.
    std::map<raft::NodeId, std::uint64_t> m_stop_tick;
    std::set<raft::NodeId> m_added;
    std::set<raft::NodeId> m_removed;

    std::uint64_t m_crashes = 0;
    std::uint64_t m_partitions = 0;
    std::uint64_t m_transfers = 0;
    std::uint64_t m_leader_gone_hints = 0;
    std::uint64_t m_protocol_flips = 0;
};

} // namespace raftescort::sim
