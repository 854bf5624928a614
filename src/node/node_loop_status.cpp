// NodeLoop's published state (node_loop.hpp): the applied entries kept for
// /logs and recorded as events, and the status HTTP threads read.

#include "node/node_loop.hpp"

#include "node/entry_text.hpp"

#include <raftescort/transport/clock.hpp>

#include <spdlog/spdlog.h>

#include <utility>

namespace raftescort::node {

namespace {

/// A peer heard from this recently counts as reachable in /status: about
/// three election timeouts at the default settings.
constexpr std::int64_t k_peer_heard_window_ms = 1000;

/// The convoy as this node has applied it: its own position, the lead
/// point, the mission and every member's position.
void add_escort_state(NodeStatus& status, const escort::Escort& escort, raft::NodeId self)
{
    status.position = escort.position_of(self);
    status.lead = escort.lead_point();
    status.lead_unit = escort.lead_unit();
    status.mission = escort.mission();
    for (const auto& [node, slot] : escort.roster()) {
        status.positions.push_back(NodePosition{node, *escort.position_of(node)});
    }
    status.state_hash = escort.state_hash();
}

} // namespace

void NodeLoop::record_applied(const runtime::AppliedEntry& applied)
{
    const raft::Entry& entry = applied.entry;
    LoggedEntry logged{entry.index, entry.term, entry.type, describe_entry(entry)};
    bool leader = m_replica->raft().role() == raft::Role::leader;
    if (entry.type == raft::EntryType::conf_change) {
        raft::ConfChange change;
        if (raft::decode_conf_change(entry.data, change)) {
            if (change.type == raft::ConfChangeType::add_learner && change.node != m_id) {
                m_address_book.set(change.node, change.context);
            }
            spdlog::info("membership: {} (index {})", logged.command, entry.index.value);
        }
    } else if (entry.type == raft::EntryType::leader_noop) {
        std::optional<raft::NodeId> lead = parse_leader_noop(entry);
        if (lead) {
            m_registry.remember_leader(entry.term, *lead);
        }
    }
    if (leader) {
        registry::Event event;
        event.kind = entry.type == raft::EntryType::conf_change ? registry::EventKind::membership
                                                                : registry::EventKind::applied_move;
        event.node = m_id;
        event.term = entry.term;
        event.index = entry.index;
        event.detail = logged.command;
        event.timestamp_ms = transport::wall_clock_ms();
        bool interesting = entry.type == raft::EntryType::conf_change
                           || applied.result.kind == escort::ApplyResult::Kind::moved
                           || applied.result.kind == escort::ApplyResult::Kind::stepped
                           || applied.result.kind == escort::ApplyResult::Kind::mission_set
                           || applied.result.kind == escort::ApplyResult::Kind::timing_set;
        if (interesting) {
            m_registry.post(
                [event](registry::Registry& registry) { registry.record_event(event); });
        }
    }
    std::lock_guard lock(m_status_mutex);
    m_logged.push_back(std::move(logged));
    while (m_logged.size() > m_options.logged_entries_max) {
        m_logged.pop_front();
    }
}

std::string NodeLoop::role_name() const
{
    const raft::RaftNode& raft = m_replica->raft();
    switch (raft.role()) {
    case raft::Role::leader: return "leader";
    case raft::Role::candidate: return "candidate";
    case raft::Role::pre_candidate: return "pre_candidate";
    case raft::Role::follower: break;
    }
    return raft.conf().voters.count(m_id) > 0 ? "follower" : "learner";
}

void NodeLoop::publish_status()
{
    if (crashed()) {
        publish_crashed_status();
        return;
    }
    const raft::RaftNode& raft = m_replica->raft();
    const escort::Escort& escort = m_replica->escort();
    NodeStatus status;
    status.id = m_id;
    status.name = m_options.self_address;
    status.cluster_id = m_options.cluster_id;
    status.role = role_name();
    status.term = raft.term();
    status.leader = raft.leader();
    if (status.leader == m_id) {
        status.leader_name = m_options.self_address;
    } else if (status.leader != raft::k_no_node) {
        status.leader_name = m_address_book.get(status.leader).value_or("");
    }
    status.commit_index = raft.commit_index();
    status.applied_index = raft.applied_index();
    status.last_index = raft.last_index();
    status.snapshot_index = m_replica->snapshot_index();
    status.committed_in_term =
        raft.role() == raft::Role::leader && escort.last_applied_term() == raft.term();
    add_escort_state(status, escort, m_id);
    add_members(status, raft.conf());
    status.redis_connected = m_registry.connected();
    status.faults = m_faults.in_force();
    status.timing.heartbeat_ms =
        static_cast<std::int64_t>(raft.heartbeat_ticks()) * m_options.tick_ms;
    status.timing.election_timeout_ms =
        static_cast<std::int64_t>(raft.election_ticks()) * m_options.tick_ms;
    status.timing.step_interval_ms = m_options.step_interval_ms;
    status.timing.pre_vote = raft.pre_vote();
    status.timing.check_quorum = raft.check_quorum();
    status.timing.since_index = m_timing_index;
    status.timing.replicated = escort.timing();
    if (raft.leader() != m_last_leader) {
        ++m_metrics.leader_changes;
        m_last_leader = raft.leader();
    }
    m_metrics.fsync = m_replica->save_latency();
    status.metrics = m_metrics;
    std::lock_guard lock(m_status_mutex);
    m_status = std::move(status);
}

void NodeLoop::publish_crashed_status()
{
    // A dead process knows nothing; the node still answers /status so that
    // people can see the fault and heal it.
    NodeStatus status;
    status.id = m_id;
    status.name = m_options.self_address;
    status.cluster_id = m_options.cluster_id;
    status.role = "crashed";
    status.redis_connected = m_registry.connected();
    status.faults = m_faults.in_force();
    status.metrics = m_metrics;
    std::lock_guard lock(m_status_mutex);
    m_status = std::move(status);
}

void NodeLoop::add_members(NodeStatus& status, const raft::ConfState& conf) const
{
    status.voters.assign(conf.voters.begin(), conf.voters.end());
    status.learners.assign(conf.learners.begin(), conf.learners.end());
    for (raft::NodeId voter : conf.voters) {
        if (voter != m_id) {
            status.peers.push_back(peer_status(voter, false));
        }
    }
    for (raft::NodeId learner : conf.learners) {
        if (learner != m_id) {
            status.peers.push_back(peer_status(learner, true));
        }
    }
}

PeerStatus NodeLoop::peer_status(raft::NodeId peer, bool learner) const
{
    PeerStatus described;
    described.id = peer;
    described.name = m_address_book.get(peer).value_or("");
    described.learner = learner;
    const auto& progress = m_replica->raft().progress();
    auto it = progress.find(peer);
    if (it != progress.end()) {
        described.match_index = it->second.match_index;
        described.next_index = it->second.next_index;
        described.state = raft::progress_state_name(it->second.state);
        described.last_contact_ms =
            static_cast<std::int64_t>(it->second.ticks_since_contact) * m_options.tick_ms;
    }
    auto sender = m_senders.find(peer);
    auto heard = m_heard_ms.find(peer);
    transport::PeerSenderCounters counters;
    if (sender != m_senders.end()) {
        counters = sender->second->counters();
    }
    described.answers_in_responses = counters.replies;
    described.reachable =
        counters.reachable
        || (heard != m_heard_ms.end() && m_wake_ms - heard->second <= k_peer_heard_window_ms);
    return described;
}

} // namespace raftescort::node
