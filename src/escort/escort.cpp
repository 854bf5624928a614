// Applying committed entries to the escort: the one place the convoy changes.
// Every branch is a pure function of (state, entry), and malformed data is a
// no-op rather than an error: the entry is committed, so every node must skip
// it the same way.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace raftescort::escort {

namespace {

using Kind = ApplyResult::Kind;

bool within_bounds(std::int64_t coordinate)
{
    return coordinate >= -k_coordinate_max && coordinate <= k_coordinate_max;
}

// One unit toward `target` along one axis: -1, 0 or +1.
std::int64_t unit_toward(std::int64_t from, std::int64_t target)
{
    if (from < target) {
        return 1;
    }
    return from > target ? -1 : 0;
}

} // namespace

Escort::Escort(const raft::ConfState& initial_members)
{
    // std::set iterates in ascending id order, which is what makes the bootstrap
    // formation identical on every node.
    std::set<raft::NodeId> members = initial_members.voters;
    members.insert(initial_members.learners.begin(), initial_members.learners.end());
    for (raft::NodeId node : members) {
        RE_ASSERT(node != raft::k_no_node);
        if (m_lead_unit == raft::k_no_node) {
            m_roster.emplace(node, 0);
            m_lead_unit = node;
        } else {
            add_to_roster(node);
        }
    }
    RE_ASSERT(m_roster.size() == members.size());
    RE_ASSERT(check_invariants().ok());
}

ApplyResult Escort::apply(const raft::Entry& entry)
{
    // Raft delivers committed entries once each, in order; anything else is a bug
    // in the caller, and applying it would fork this node's state.
    RE_ASSERT(entry.index > m_last_applied_index);
    RE_ASSERT(entry.term >= m_last_applied_term);
    // An entry type this build does not know stays a no-op (no default label, so
    // -Wswitch points here when a type is added).
    ApplyResult result;
    result.kind = Kind::no_op;
    result.lead_before = m_lead_point;
    switch (entry.type) {
    case raft::EntryType::normal: result.kind = apply_normal_entry(entry); break;
    case raft::EntryType::leader_noop: result.kind = apply_leader_noop_entry(entry); break;
    case raft::EntryType::conf_change: result.kind = apply_conf_change_entry(entry); break;
    }
    m_last_applied_index = entry.index;
    m_last_applied_term = entry.term;
    result.lead_after = m_lead_point;
    // Escort continuity: only a step or a move shifts the lead point.
    if (result.kind != Kind::stepped && result.kind != Kind::moved) {
        RE_ASSERT(result.lead_after == result.lead_before);
    }
    RE_ASSERT(check_invariants().ok());
    return result;
}

ApplyResult::Kind Escort::apply_leader_noop_entry(const raft::Entry& entry)
{
    RE_ASSERT(entry.type == raft::EntryType::leader_noop);
    std::optional<std::uint64_t> node = util::parse_decimal<std::uint64_t>(entry.data);
    if (!node || *node == 0) {
        return Kind::no_op;
    }
    take_lead(raft::NodeId{*node});
    RE_ASSERT(m_lead_unit == raft::NodeId{*node});
    return Kind::lead_taken;
}

ApplyResult::Kind Escort::apply_conf_change_entry(const raft::Entry& entry)
{
    RE_ASSERT(entry.type == raft::EntryType::conf_change);
    raft::ConfChange change;
    if (!raft::decode_conf_change(entry.data, change)) {
        return Kind::no_op;
    }
    RE_ASSERT(change.node != raft::k_no_node);
    switch (change.type) {
    case raft::ConfChangeType::add_learner:
    case raft::ConfChangeType::promote_voter:
        // A promoted voter keeps its slot; one missing from the roster joins it.
        add_to_roster(change.node);
        RE_ASSERT(m_roster.count(change.node) == 1);
        break;
    case raft::ConfChangeType::remove_node:
        remove_from_roster(change.node);
        RE_ASSERT(m_roster.count(change.node) == 0);
        break;
    }
    return Kind::roster;
}

ApplyResult::Kind Escort::apply_normal_entry(const raft::Entry& entry)
{
    RE_ASSERT(entry.type == raft::EntryType::normal);
    util::Result<Command> decoded = decode_command(entry.data);
    if (!decoded.ok()) {
        return Kind::no_op;
    }
    const Command& command = decoded.value();
    if (is_duplicate(command)) {
        return Kind::duplicate;
    }
    // The sequence is recorded whatever the outcome: a retry of a request that
    // was stale or a no-op must not run again later, when it might not be.
    record_client(command, entry.index);
    switch (command.kind) {
    case CommandKind::step: return apply_step(command);
    case CommandKind::move: return apply_move(command);
    case CommandKind::mission: return apply_mission(command);
    case CommandKind::timing: return apply_timing(command, entry.index);
    }
    RE_ASSERT(false);
    return Kind::no_op;
}

ApplyResult::Kind Escort::apply_step(const Command& command)
{
    RE_ASSERT(command.kind == CommandKind::step);
    if (!m_mission.running) {
        return Kind::no_op;
    }
    // A step names the lead point it was proposed from, so a step from a deposed
    // leader that is committed after its successor's steps never lands twice.
    if (command.from != m_lead_point) {
        return Kind::stale;
    }
    const Point target = m_mission.target;
    if (m_lead_point == target) {
        return Kind::no_op;
    }
    // Along x first, then y: the path is the same on every node and easy to read.
    if (m_lead_point.x != target.x) {
        m_lead_point.x += unit_toward(m_lead_point.x, target.x);
    } else {
        m_lead_point.y += unit_toward(m_lead_point.y, target.y);
    }
    ++m_mission.steps_taken;
    if (m_lead_point == target) {
        m_mission.running = false;
    }
    RE_ASSERT(within_bounds(m_lead_point.x));
    RE_ASSERT(within_bounds(m_lead_point.y));
    return Kind::stepped;
}

ApplyResult::Kind Escort::apply_move(const Command& command)
{
    RE_ASSERT(command.kind == CommandKind::move);
    // Bounded state: a move is a nudge, and the lead point stays where int64
    // arithmetic on positions cannot overflow.
    if (command.dx < -k_move_delta_max || command.dx > k_move_delta_max) {
        return Kind::no_op;
    }
    if (command.dy < -k_move_delta_max || command.dy > k_move_delta_max) {
        return Kind::no_op;
    }
    Point moved{m_lead_point.x + command.dx, m_lead_point.y + command.dy};
    if (!within_bounds(moved.x) || !within_bounds(moved.y)) {
        return Kind::no_op;
    }
    m_lead_point = moved;
    return Kind::moved;
}

ApplyResult::Kind Escort::apply_mission(const Command& command)
{
    RE_ASSERT(command.kind == CommandKind::mission);
    // A target out of bounds could never be reached by steps that stay in bounds.
    if (!within_bounds(command.target.x) || !within_bounds(command.target.y)) {
        return Kind::no_op;
    }
    m_mission.target = command.target;
    m_mission.running = command.running;
    RE_ASSERT(within_bounds(m_mission.target.x));
    RE_ASSERT(within_bounds(m_mission.target.y));
    return Kind::mission_set;
}

ApplyResult::Kind Escort::apply_timing(const Command& command, raft::Index index)
{
    RE_ASSERT(command.kind == CommandKind::timing);
    // Checked before proposing; a timing that slipped through is skipped
    // the same way on every node.
    if (timing_problem(command.timing)) {
        return Kind::no_op;
    }
    m_timing = command.timing;
    m_timing_index = index;
    return Kind::timing_set;
}

Timing changed_timing(const Timing& in_force, const TimingChange& change)
{
    if (change.reset) {
        // A reset takes no other part; the edges refuse such a request.
        RE_ASSERT(!change.durations);
        RE_ASSERT(!change.pre_vote && !change.check_quorum);
        return Timing{};
    }
    Timing timing = in_force;
    if (change.durations) {
        timing.heartbeat_ms = change.durations->heartbeat_ms;
        timing.election_timeout_ms = change.durations->election_timeout_ms;
        timing.step_interval_ms = change.durations->step_interval_ms;
    }
    if (change.pre_vote) {
        timing.pre_vote = *change.pre_vote ? ProtocolSwitch::on : ProtocolSwitch::off;
    }
    if (change.check_quorum) {
        timing.check_quorum = *change.check_quorum ? ProtocolSwitch::on : ProtocolSwitch::off;
    }
    return timing;
}

std::optional<std::string> timing_problem(const Timing& timing)
{
    for (ProtocolSwitch value : {timing.pre_vote, timing.check_quorum}) {
        if (value != ProtocolSwitch::own && value != ProtocolSwitch::on
            && value != ProtocolSwitch::off) {
            return "a protocol switch must be own, on or off";
        }
    }
    if ((timing.heartbeat_ms == 0) != (timing.election_timeout_ms == 0)) {
        return "the heartbeat and the election timeout are set together";
    }
    if (timing.heartbeat_ms < 0 || timing.heartbeat_ms > k_heartbeat_ms_max) {
        return "the heartbeat must be within 1.." + std::to_string(k_heartbeat_ms_max) + " ms";
    }
    if (timing.election_timeout_ms < 0 || timing.election_timeout_ms > k_election_timeout_ms_max) {
        return "the election timeout must be within 1.." + std::to_string(k_election_timeout_ms_max)
               + " ms";
    }
    if (timing.election_timeout_ms < 3 * timing.heartbeat_ms) {
        return "the election timeout (" + std::to_string(timing.election_timeout_ms)
               + " ms) must be at least 3x the heartbeat (" + std::to_string(timing.heartbeat_ms)
               + " ms), so a follower hears several heartbeats before it gives up on a leader";
    }
    if (timing.step_interval_ms != 0
        && (timing.step_interval_ms < k_step_interval_ms_min
            || timing.step_interval_ms > k_step_interval_ms_max)) {
        return "the step interval must be within " + std::to_string(k_step_interval_ms_min) + ".."
               + std::to_string(k_step_interval_ms_max) + " ms";
    }
    return std::nullopt;
}

} // namespace raftescort::escort
