#include "sim/chaos.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::sim {

Chaos::Chaos(const ChaosOptions& options, std::uint64_t seed) : m_options(options), m_rng(seed) { }

void Chaos::before_tick(SimCluster& cluster)
{
    step_partition(cluster);
    step_crashes(cluster);
    step_pauses(cluster);
    step_membership(cluster);
    step_transfer(cluster);
    step_leader_gone(cluster);
    step_protocol_flip(cluster);
}

std::vector<raft::NodeId> Chaos::live_members(SimCluster& cluster) const
{
    std::vector<raft::NodeId> out;
    for (raft::NodeId id : cluster.node_ids()) {
        if (!cluster.node(id).stopped()) {
            out.push_back(id);
        }
    }
    return out;
}

void Chaos::step_partition(SimCluster& cluster)
{
    const std::uint64_t now = cluster.now();
    if (m_shape) {
        if (now >= m_partition_end_tick) {
            m_shape.reset();
            m_partition_up = false;
            cluster.heal_network();
            return;
        }
        // Flapping: the same cut goes down and up again every period.
        if (m_options.flapping_period_ticks > 0 && now % m_options.flapping_period_ticks == 0) {
            m_partition_up = !m_partition_up;
            if (m_partition_up) {
                apply_partition(cluster);
            } else {
                cluster.heal_network();
            }
        }
        return;
    }
    if (!m_options.partitions_enabled() || !m_rng.chance(m_options.partition_probability)) {
        return;
    }
    std::vector<PartitionShape> shapes;
    for (std::size_t i = 0; i < k_partition_shape_count; ++i) {
        if (m_options.partition_shapes[i]) {
            shapes.push_back(static_cast<PartitionShape>(i));
        }
    }
    RE_ASSERT(!shapes.empty());
    m_shape = shapes[m_rng.uniform(shapes.size())];
    m_partition_end_tick =
        now + m_rng.between(m_options.partition_ticks_min, m_options.partition_ticks_max);
    m_partition_up = true;
    ++m_partitions;
    apply_partition(cluster);
}

void Chaos::apply_partition(SimCluster& cluster)
{
    RE_ASSERT(m_shape.has_value());
    std::vector<raft::NodeId> nodes = live_members(cluster);
    // A deterministic shuffle (Fisher-Yates on the chaos stream).
    for (std::size_t i = nodes.size(); i > 1; --i) {
        std::swap(nodes[i - 1], nodes[m_rng.uniform(i)]);
    }
    const std::optional<raft::NodeId> leader = cluster.leader();
    const raft::NodeId focus = leader ? *leader : nodes.front();
    std::vector<raft::NodeId> others;
    for (raft::NodeId id : nodes) {
        if (id != focus) {
            others.push_back(id);
        }
    }
    cluster.trace(std::string("partition shape ") + partition_shape_name(*m_shape));
    switch (*m_shape) {
    case PartitionShape::isolate_leader: cluster.partition({{focus}, others}); break;
    case PartitionShape::isolate_follower: {
        if (others.empty()) {
            break;
        }
        const raft::NodeId victim = others[m_rng.uniform(others.size())];
        std::vector<raft::NodeId> rest;
        for (raft::NodeId id : nodes) {
            if (id != victim) {
                rest.push_back(id);
            }
        }
        cluster.partition({{victim}, rest});
        break;
    }
    case PartitionShape::minority_split: {
        const std::size_t minority =
            m_rng.between(1, std::max<std::size_t>(1, (nodes.size() - 1) / 2));
        cluster.partition({std::vector<raft::NodeId>(nodes.begin(), nodes.begin() + minority),
                           std::vector<raft::NodeId>(nodes.begin() + minority, nodes.end())});
        break;
    }
    case PartitionShape::bridge: {
        // Two sides that share only the bridge node (nodes[0]).
        std::vector<raft::NodeId> left{nodes[0]};
        std::vector<raft::NodeId> right{nodes[0]};
        for (std::size_t i = 1; i < nodes.size(); ++i) {
            (i % 2 == 1 ? left : right).push_back(nodes[i]);
        }
        cluster.partition({left, right});
        break;
    }
    case PartitionShape::majorities_ring: {
        // Each node hears its ring neighbours within distance k: a majority,
        // but no two nodes hear the same majority (Jepsen's majorities ring).
        cluster.heal_network();
        const std::size_t count = nodes.size();
        const std::size_t majority = count / 2 + 1;
        const std::size_t reach = majority / 2;
        for (std::size_t i = 0; i < count; ++i) {
            for (std::size_t j = 0; j < count; ++j) {
                const std::size_t gap = i > j ? i - j : j - i;
                if (i != j && std::min(gap, count - gap) > reach) {
                    cluster.block_link(nodes[i], nodes[j]);
                }
            }
        }
        break;
    }
    case PartitionShape::asymmetric_leader:
        // The leader's messages go out; nothing comes back to it.
        cluster.heal_network();
        for (raft::NodeId id : others) {
            cluster.block_link(id, focus);
        }
        break;
    }
}

std::size_t Chaos::voters_down(SimCluster& cluster, const raft::ConfState& conf) const
{
    std::size_t down = 0;
    for (raft::NodeId id : conf.voters) {
        const SimNode& node = cluster.node(id);
        if (!node.active() || node.crash_pending()) {
            ++down;
        }
    }
    return down;
}

bool Chaos::may_take_down(SimCluster& cluster, raft::NodeId id)
{
    const SimNode& node = cluster.node(id);
    if (!node.active() || node.crash_pending() || node.stopped()) {
        return false;
    }
    const raft::ConfState conf = cluster.current_conf();
    if (conf.voters.count(id) == 0) {
        return true;
    }
    // Keep a majority of the voters up, so the cluster can always make progress.
    const std::size_t budget = (conf.voters.size() - 1) / 2;
    return voters_down(cluster, conf) + 1 <= budget;
}

std::optional<raft::NodeId> Chaos::pick_victim(SimCluster& cluster, double leader_share)
{
    const std::optional<raft::NodeId> leader = cluster.leader();
    if (leader && m_rng.chance(leader_share) && may_take_down(cluster, *leader)) {
        return leader;
    }
    const std::vector<raft::NodeId> nodes = live_members(cluster);
    const raft::NodeId candidate = nodes[m_rng.uniform(nodes.size())];
    if (may_take_down(cluster, candidate)) {
        return candidate;
    }
    return std::nullopt;
}

void Chaos::step_crashes(SimCluster& cluster)
{
    const std::uint64_t now = cluster.now();
    for (auto it = m_restart_tick.begin(); it != m_restart_tick.end();) {
        if (now < it->second) {
            ++it;
            continue;
        }
        const raft::NodeId id = it->first;
        it = m_restart_tick.erase(it);
        if (cluster.node(id).stopped()) {
            continue;
        }
        if (cluster.node(id).live()) {
            // The armed crash never found a write to interrupt: crash now instead.
            cluster.crash(id, m_options.torn_writes);
        }
        cluster.restart(id);
    }
    if (!m_options.crash || !m_rng.chance(m_options.crash_probability)) {
        return;
    }
    const std::optional<raft::NodeId> victim = pick_victim(cluster, m_options.crash_leader_share);
    if (!victim) {
        return;
    }
    ++m_crashes;
    if (m_rng.chance(m_options.crash_mid_write_share)) {
        cluster.crash_during_next_write(*victim, m_options.torn_writes);
    } else {
        cluster.crash(*victim, m_options.torn_writes);
    }
    m_restart_tick[*victim] =
        now + m_rng.between(m_options.crash_down_ticks_min, m_options.crash_down_ticks_max);
}

void Chaos::step_pauses(SimCluster& cluster)
{
    const std::uint64_t now = cluster.now();
    for (auto it = m_resume_tick.begin(); it != m_resume_tick.end();) {
        if (now < it->second) {
            ++it;
            continue;
        }
        cluster.resume(it->first);
        it = m_resume_tick.erase(it);
    }
    if (!m_options.pause || !m_rng.chance(m_options.pause_probability)) {
        return;
    }
    // Pausing the leader makes a zombie leader when it resumes.
    const std::optional<raft::NodeId> victim = pick_victim(cluster, 0.5);
    if (!victim) {
        return;
    }
    cluster.pause(*victim);
    m_resume_tick[*victim] =
        now + m_rng.between(m_options.pause_ticks_min, m_options.pause_ticks_max);
}

void Chaos::step_membership(SimCluster& cluster)
{
    const std::uint64_t now = cluster.now();
    const raft::ConfState conf = cluster.current_conf();
    for (auto it = m_stop_tick.begin(); it != m_stop_tick.end();) {
        if (now < it->second) {
            ++it;
            continue;
        }
        const raft::NodeId id = it->first;
        if (conf.contains(id)) {
            it->second = now + 50; // The removal has not committed (yet); look again later.
            ++it;
            continue;
        }
        m_restart_tick.erase(id);
        m_resume_tick.erase(id);
        cluster.stop(id);
        it = m_stop_tick.erase(it);
    }
    if (!m_options.membership || !m_rng.chance(m_options.membership_probability)) {
        return;
    }
    const std::optional<raft::NodeId> leader = cluster.leader();
    if (!leader) {
        return;
    }
    const raft::ConfState leader_conf = cluster.node(*leader).raft().conf();
    // One change at a time: wait while a learner awaits promotion.
    if (!leader_conf.learners.empty()) {
        return;
    }
    std::vector<raft::NodeId> spares;
    for (raft::NodeId id : cluster.node_ids()) {
        const SimNode& node = cluster.node(id);
        if (!leader_conf.contains(id) && m_removed.count(id) == 0 && !node.stopped()) {
            spares.push_back(id);
        }
    }
    if (!spares.empty() && m_rng.chance(0.6)) {
        raft::ConfChange change;
        change.type = raft::ConfChangeType::add_learner;
        change.node = spares[m_rng.uniform(spares.size())];
        (void)cluster.propose_conf_change(*leader, change);
        return;
    }
    // Never below three voters; occasionally remove the leader itself.
    if (leader_conf.voters.size() <= 3) {
        return;
    }
    std::vector<raft::NodeId> voters(leader_conf.voters.begin(), leader_conf.voters.end());
    raft::NodeId victim = voters[m_rng.uniform(voters.size())];
    if (victim == *leader && !m_rng.chance(0.2)) {
        return;
    }
    raft::ConfChange change;
    change.type = raft::ConfChangeType::remove_node;
    change.node = victim;
    auto position = cluster.propose_conf_change(*leader, change);
    if (position.ok()) {
        m_removed.insert(victim);
        m_stop_tick[victim] = now + m_rng.between(30, 150);
    }
}

void Chaos::step_transfer(SimCluster& cluster)
{
    if (!m_options.transfer || !m_rng.chance(m_options.transfer_probability)) {
        return;
    }
    const std::optional<raft::NodeId> leader = cluster.leader();
    if (!leader) {
        return;
    }
    // Any other voter, even a down or lagging one: the transfer then times
    // out after an election timeout, which is a case worth running too.
    const raft::ConfState& conf = cluster.node(*leader).raft().conf();
    std::vector<raft::NodeId> targets;
    for (raft::NodeId id : conf.voters) {
        if (id != *leader) {
            targets.push_back(id);
        }
    }
    if (targets.empty()) {
        return;
    }
    ++m_transfers;
    (void)cluster.transfer_leadership(*leader, targets[m_rng.uniform(targets.size())]);
}

void Chaos::step_leader_gone(SimCluster& cluster)
{
    if (!m_options.leader_gone) {
        return;
    }
    for (raft::NodeId id : cluster.node_ids()) {
        SimNode& follower = cluster.node(id);
        if (!follower.active() || follower.raft().role() != raft::Role::follower) {
            continue;
        }
        const raft::NodeId leader = follower.raft().leader();
        if (leader == raft::k_no_node) {
            continue;
        }
        // A paused or cut-off leader's port does not refuse, so only a
        // crashed or stopped one gives a true hint.
        const bool down = !cluster.node(leader).live();
        const double probability = down ? m_options.leader_gone_probability
                                        : m_options.leader_gone_wrong_probability;
        if (m_rng.chance(probability)) {
            ++m_leader_gone_hints;
            cluster.leader_gone(id, leader);
        }
    }
}

void Chaos::step_protocol_flip(SimCluster& cluster)
{
    if (!m_options.protocol_flips || !m_rng.chance(m_options.protocol_flip_probability)) {
        return;
    }
    std::vector<raft::NodeId> candidates;
    for (raft::NodeId id : cluster.node_ids()) {
        if (cluster.node(id).active()) {
            candidates.push_back(id);
        }
    }
    if (candidates.empty()) {
        return;
    }
    const raft::NodeId target = candidates[m_rng.uniform(candidates.size())];
    // Independent draws: every mix across nodes must be safe, and each pair
    // on one node too. The flips stay through the heal phase.
    const bool pre_vote = m_rng.chance(0.5);
    const bool check_quorum = m_rng.chance(0.5);
    ++m_protocol_flips;
    cluster.set_protocol(target, pre_vote, check_quorum);
}

void Chaos::heal(SimCluster& cluster)
{
    m_shape.reset();
    m_partition_up = false;
    cluster.heal_network();
    const raft::ConfState conf = cluster.current_conf();
    for (raft::NodeId id : cluster.node_ids()) {
        SimNode& node = cluster.node(id);
        if (node.stopped()) {
            continue;
        }
        if (m_removed.count(id) > 0 && !conf.contains(id)) {
            cluster.stop(id);
            continue;
        }
        if (node.live() && node.crash_pending()) {
            cluster.crash(id, m_options.torn_writes);
        }
        if (!node.live()) {
            cluster.restart(id);
        }
        cluster.resume(id);
    }
    m_restart_tick.clear();
    m_resume_tick.clear();
    m_stop_tick.clear();
}

} // namespace raftescort::sim
