// The replicated timing (escort::Timing, a `timing` command in the log): each
// member puts it in force when it applies the command, so every member
// switches at the same log index; a reset goes back to the timing the node
// was started with. The timing includes Raft's pre-vote and check-quorum
// switches.

#include "node/node_loop.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace raftescort::node {

void NodeLoop::note_base_timing()
{
    const raft::RaftNode& raft = m_replica->raft();
    m_base_timing.heartbeat_ticks = raft.heartbeat_ticks();
    m_base_timing.election_ticks = raft.election_ticks();
    m_base_timing.pre_vote = raft.pre_vote();
    m_base_timing.check_quorum = raft.check_quorum();
    m_options.step_interval_ms = m_base_timing.step_interval_ms;
    m_options.leader_probe_after_ms = m_base_timing.leader_probe_after_ms;
    m_timing_index = raft::Index{};
}

void NodeLoop::follow_timing()
{
    const escort::Escort& escort = m_replica->escort();
    if (escort.timing_index() == m_timing_index) {
        return;
    }
    m_timing_index = escort.timing_index();
    const escort::Timing& timing = escort.timing();
    const std::int64_t tick_ms = m_options.tick_ms;
    // Whole ticks; the 3x rule was checked in milliseconds and still holds
    // after rounding the heartbeat down.
    const std::uint32_t heartbeat_ticks =
        timing.heartbeat_ms == 0
            ? m_base_timing.heartbeat_ticks
            : static_cast<std::uint32_t>(std::max<std::int64_t>(1, timing.heartbeat_ms / tick_ms));
    const std::uint32_t election_ticks =
        timing.election_timeout_ms == 0
            ? m_base_timing.election_ticks
            : std::max<std::uint32_t>(
                3 * heartbeat_ticks,
                static_cast<std::uint32_t>(timing.election_timeout_ms / tick_ms));
    util::Status changed = m_replica->raft().set_timing(heartbeat_ticks, election_ticks);
    if (!changed.ok()) {
        spdlog::error("timing from index {} not put in force: {}", m_timing_index.value,
                      changed.error().message);
        return;
    }
    m_replica->raft().set_protocol(
        escort::protocol_switch_in_force(timing.pre_vote, m_base_timing.pre_vote),
        escort::protocol_switch_in_force(timing.check_quorum, m_base_timing.check_quorum));
    m_options.step_interval_ms =
        timing.step_interval_ms == 0 ? m_base_timing.step_interval_ms : timing.step_interval_ms;
    if (m_base_timing.leader_probe_after_ms > 0) {
        // As at start: one heartbeat late and half another.
        m_options.leader_probe_after_ms =
            static_cast<std::int64_t>(heartbeat_ticks) * tick_ms * 3 / 2;
    }
    spdlog::info("timing from index {}: heartbeat {} ms, election timeout {} ms, step every {} "
                 "ms, pre-vote {}, check-quorum {}",
                 m_timing_index.value, heartbeat_ticks * tick_ms, election_ticks * tick_ms,
                 m_options.step_interval_ms, m_replica->raft().pre_vote() ? "on" : "off",
                 m_replica->raft().check_quorum() ? "on" : "off");
}

} // namespace raftescort::node
