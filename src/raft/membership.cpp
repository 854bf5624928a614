// Membership: single-server changes, one at a time (dissertation §4.1),
// learners promoted once caught up, and leadership transfer (§3.10).

#include <raftescort/raft/raft_node.hpp>

#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <string>

namespace raftescort::raft {

void RaftNode::replay_conf_changes(Index from, Index to)
{
    for (Index index = from; index <= to; index = next(index)) {
        const Entry& entry = m_log->at(index);
        if (entry.type == EntryType::conf_change) {
            ConfChange change;
            if (decode_conf_change(entry.data, change)) {
                m_conf = apply_conf_change(m_conf, change);
            }
            m_conf_index = index;
        }
    }
}

util::Result<LogPosition> RaftNode::propose_conf_change(const ConfChange& change)
{
    using util::ErrorCode;
    using util::make_error;
    if (util::Status refusal = proposal_refusal(); !refusal.ok()) {
        return refusal.error();
    }
    // Single-server changes, one at a time (dissertation §4.1).
    if (m_pending_conf_index > m_log->applied()) {
        return make_error(ErrorCode::unavailable, "another membership change is in progress");
    }
    if (change.node == k_no_node) {
        return make_error(ErrorCode::invalid_argument, "membership change needs a node id");
    }
    if (change.type == ConfChangeType::promote_voter && m_conf.learners.count(change.node) == 0) {
        return make_error(ErrorCode::invalid_argument, "only a learner can be promoted");
    }
    if (change.type == ConfChangeType::add_learner && m_conf.contains(change.node)) {
        return make_error(ErrorCode::invalid_argument, "node is already a member");
    }
    if (change.type == ConfChangeType::remove_node && !m_conf.contains(change.node)) {
        return make_error(ErrorCode::not_found, "node is not a member");
    }
    if (change.type == ConfChangeType::remove_node && m_conf.voters.count(change.node) > 0
        && m_conf.voters.size() == 1) {
        return make_error(ErrorCode::invalid_argument, "cannot remove the last voter");
    }
    Entry entry{m_term, next(m_log->last_index()), EntryType::conf_change,
                encode_conf_change(change)};
    m_log->append({entry});
    m_pending_conf_index = entry.index;
    m_append_pending = true;
    check_invariants();
    return LogPosition{entry.term, entry.index};
}

void RaftNode::apply_conf_entry(const Entry& entry)
{
    RE_ASSERT(entry.type == EntryType::conf_change);
    if (entry.index <= m_conf_index) {
        return;
    }
    m_conf_index = entry.index;
    ConfChange change;
    if (!decode_conf_change(entry.data, change)) {
        log(util::LogLevel::error, "skips a malformed membership change");
        return;
    }
    apply_conf(apply_conf_change(m_conf, change));
}

void RaftNode::apply_conf(const ConfState& conf)
{
    m_conf = conf;
    if (m_role != Role::leader) {
        return;
    }
    if (!promotable()) {
        // A removed leader steps down (dissertation §4.2.2); it keeps its log.
        log(util::LogLevel::info, "removed from the cluster, stepping down");
        become_follower(m_term, k_no_node);
        return;
    }
    m_tracker.follow(m_conf, m_log->last_index());
    if (m_transfer_target != k_no_node && m_conf.voters.count(m_transfer_target) == 0) {
        abort_transfer();
    }
    // Fewer voters may mean a smaller quorum is already reached; either way
    // new members hear from the leader at once.
    maybe_commit();
    broadcast_append();
    release_pending_reads();
}

void RaftNode::maybe_promote_learners()
{
    if (!m_config.auto_promote_learners || m_role != Role::leader) {
        return;
    }
    if (m_pending_conf_index > m_log->applied() || m_transfer_target != k_no_node) {
        return;
    }
    for (const auto& [member, progress] : m_tracker.all()) {
        if (m_conf.learners.count(member) == 0) {
            continue;
        }
        // Caught up: it holds everything committed, so adding its vote does
        // not stall commits while it catches up (dissertation §4.2.1).
        if (progress.match_index >= m_log->committed() && progress.match_index > Index{0}) {
            log(util::LogLevel::info, "promotes learner " + std::to_string(member.value));
            util::Result<LogPosition> result =
                propose_conf_change(ConfChange{ConfChangeType::promote_voter, member, ""});
            RE_ASSERT(result.ok());
            return;
        }
    }
}

util::Status RaftNode::transfer_leadership(NodeId target)
{
    using util::ErrorCode;
    using util::make_error;
    if (m_role != Role::leader) {
        return make_error(ErrorCode::rejected, "not the leader");
    }
    if (target == m_config.id) {
        return util::Ok{};
    }
    if (m_conf.voters.count(target) == 0) {
        return make_error(ErrorCode::invalid_argument, "transfer target is not a voter");
    }
    m_transfer_target = target;
    // The transfer must finish within an election timeout or it is abandoned.
    m_election_elapsed = 0;
    log(util::LogLevel::info, "transfers leadership to " + std::to_string(target.value));
    Progress& progress = m_tracker.at(target);
    if (progress.match_index == m_log->last_index()) {
        maybe_send_timeout_now(target);
    } else {
        progress.probe_again();
        send_append(target, true);
    }
    return util::Ok{};
}

void RaftNode::maybe_send_timeout_now(NodeId to)
{
    const Progress& progress = m_tracker.at(to);
    if (progress.match_index == m_log->last_index()) {
        Message timeout;
        timeout.type = MessageType::timeout_now;
        timeout.to = to;
        timeout.term = m_term;
        send(std::move(timeout));
    }
}

void RaftNode::abort_transfer() { m_transfer_target = k_no_node; }

} // namespace raftescort::raft
