// NodeLoop's client requests (node_loop.hpp): proposals, membership
// changes and leadership transfers, tracked until their entry is applied
// (or lost), and the outcomes they are answered with.

#include "node/node_loop.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace raftescort::node {

void NodeLoop::handle_proposal(Proposal& proposal)
{
    raft::RaftNode& raft = m_replica->raft();
    bool fenced_out = proposal.fence && *proposal.fence != raft.term();
    if (raft.role() != raft::Role::leader || fenced_out) {
        proposal.promise.set_value(not_leader_outcome());
        return;
    }
    util::Result<raft::LogPosition> position = raft.propose(std::move(proposal.command));
    if (!position.ok()) {
        RequestOutcome refused;
        refused.kind = RequestOutcome::Kind::refused;
        refused.retryable = true;
        refused.message = position.error().message;
        proposal.promise.set_value(std::move(refused));
        return;
    }
    track(position.value(), std::move(proposal.promise));
}

void NodeLoop::handle_add_node(AddNode& request)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        request.promise.set_value(not_leader_outcome());
        return;
    }
    const raft::ConfState& conf = raft.conf();
    RequestOutcome outcome;
    outcome.term = raft.term();
    outcome.leader = m_id;
    if (conf.voters.count(request.node) > 0) {
        // A voter that asks to join again has lost its log (it only asks
        // when its data dir is empty): letting it vote could elect a leader
        // without committed entries or count an acknowledgement it forgot.
        outcome.kind = RequestOutcome::Kind::refused;
        outcome.message = "node " + std::to_string(request.node.value)
                          + " is already a voting member; a voter whose data dir is empty "
                            "has lost its log and must not vote again under that id";
        request.promise.set_value(std::move(outcome));
        return;
    }
    m_address_book.set(request.node, request.address);
    if (conf.learners.count(request.node) > 0) {
        // A learner never voted nor counted for a commit: it may start over.
        outcome.kind = RequestOutcome::Kind::committed;
        outcome.index = raft.conf_index();
        outcome.message = "already a learner";
        request.promise.set_value(std::move(outcome));
        return;
    }
    raft::ConfChange change;
    change.type = raft::ConfChangeType::add_learner;
    change.node = request.node;
    change.context = request.address;
    util::Result<raft::LogPosition> position = raft.propose_conf_change(change);
    if (!position.ok()) {
        outcome.kind = RequestOutcome::Kind::refused;
        outcome.retryable = true;
        outcome.message = position.error().message;
        request.promise.set_value(std::move(outcome));
        return;
    }
    spdlog::info("adding node {} at {} as a learner (index {})", request.node.value,
                 request.address, position.value().index.value);
    track(position.value(), std::move(request.promise));
}

void NodeLoop::handle_remove_node(RemoveNode& request)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        request.promise.set_value(not_leader_outcome());
        return;
    }
    const raft::ConfState& conf = raft.conf();
    RequestOutcome refused;
    refused.kind = RequestOutcome::Kind::refused;
    if (!conf.contains(request.node)) {
        refused.message = "node " + std::to_string(request.node.value) + " is not a member";
        request.promise.set_value(std::move(refused));
        return;
    }
    if (conf.voters.size() == 1 && conf.voters.count(request.node) > 0) {
        refused.message = "node " + std::to_string(request.node.value)
                          + " is the last voter; a cluster needs one";
        request.promise.set_value(std::move(refused));
        return;
    }
    raft::ConfChange change;
    change.type = raft::ConfChangeType::remove_node;
    change.node = request.node;
    util::Result<raft::LogPosition> position = raft.propose_conf_change(change);
    if (!position.ok()) {
        refused.retryable = true;
        refused.message = position.error().message;
        request.promise.set_value(std::move(refused));
        return;
    }
    spdlog::info("removing node {} (index {})", request.node.value, position.value().index.value);
    track(position.value(), std::move(request.promise));
}

void NodeLoop::handle_log_window(LogWindowRequest& request)
{
    RequestOutcome outcome;
    outcome.kind = RequestOutcome::Kind::committed;
    outcome.term = m_replica->raft().term();
    outcome.leader = m_replica->raft().leader();
    outcome.log_window = read_log_window(m_replica->raft(), request.from, request.limit);
    const std::deque<LogOverwrite>& overwrites = m_log_watch.overwrites();
    outcome.log_window.overwritten.assign(overwrites.begin(), overwrites.end());
    request.promise.set_value(std::move(outcome));
}

void NodeLoop::handle_transfer(TransferLeadership& request)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        request.promise.set_value(not_leader_outcome());
        return;
    }
    raft::NodeId target = request.target;
    if (target == raft::k_no_node) {
        // The most caught-up voter takes over with the shortest catch-up.
        raft::Index best;
        for (const auto& [peer, progress] : raft.progress()) {
            if (peer != m_id && raft.conf().voters.count(peer) > 0
                && (target == raft::k_no_node || progress.match_index > best)) {
                target = peer;
                best = progress.match_index;
            }
        }
    }
    RequestOutcome refused;
    refused.kind = RequestOutcome::Kind::refused;
    if (target == m_id || raft.conf().voters.count(target) == 0) {
        refused.message =
            target == raft::k_no_node
                ? std::string("no other voter to hand leadership to")
                : "node " + std::to_string(target.value) + " is not another voter of this cluster";
        request.promise.set_value(std::move(refused));
        return;
    }
    if (util::Status started = raft.transfer_leadership(target); !started.ok()) {
        refused.retryable = true;
        refused.message = started.error().message;
        request.promise.set_value(std::move(refused));
        return;
    }
    spdlog::info("handing leadership to node {}", target.value);
    m_transfers.push_back(std::move(request.promise));
}

void NodeLoop::settle_transfers()
{
    const raft::RaftNode& raft = m_replica->raft();
    if (m_transfers.empty() || raft.role() == raft::Role::leader) {
        return;
    }
    // This node stepped down; the transfer worked if someone else leads now
    // (the answer waits until that leader is known).
    if (raft.leader() == raft::k_no_node && raft.role() == raft::Role::follower) {
        return;
    }
    RequestOutcome outcome;
    if (raft.leader() != raft::k_no_node && raft.leader() != m_id) {
        outcome.kind = RequestOutcome::Kind::committed;
        outcome.leader = raft.leader();
        outcome.leader_name = m_address_book.get(raft.leader()).value_or("");
        outcome.term = raft.term();
    } else {
        outcome.kind = RequestOutcome::Kind::refused;
        outcome.retryable = true;
        outcome.message = "leadership was lost to an election instead of the transfer";
    }
    for (std::promise<RequestOutcome>& transfer : m_transfers) {
        answer_after_publish(std::move(transfer), outcome);
    }
    m_transfers.clear();
}

void NodeLoop::track(raft::LogPosition position, std::promise<RequestOutcome> promise)
{
    auto it = m_pending.find(position.index);
    if (it != m_pending.end()) {
        // An older proposal of ours held this index in an earlier term; the
        // new entry replaced it in our log, so it can never be applied.
        RequestOutcome lost;
        lost.kind = RequestOutcome::Kind::lost;
        lost.message = "a leader change replaced this entry before it was committed";
        it->second.promise.set_value(std::move(lost));
        m_pending.erase(it);
    }
    m_pending.emplace(position.index, Pending{position.term, std::move(promise)});
}

void NodeLoop::settle(const runtime::AppliedEntry& applied)
{
    if (m_step_in_flight && *m_step_in_flight <= applied.entry.index) {
        m_step_in_flight.reset();
    }
    auto it = m_pending.find(applied.entry.index);
    if (it == m_pending.end()) {
        return;
    }
    if (it->second.term == applied.entry.term) {
        answer_after_publish(std::move(it->second.promise), committed_outcome(applied));
    } else {
        RequestOutcome lost;
        lost.kind = RequestOutcome::Kind::lost;
        lost.message = "a leader change replaced this entry before it was committed";
        answer_after_publish(std::move(it->second.promise), std::move(lost));
    }
    m_pending.erase(it);
}

void NodeLoop::answer_after_publish(std::promise<RequestOutcome> promise, RequestOutcome outcome)
{
    m_answers.emplace_back(std::move(promise), std::move(outcome));
}

void NodeLoop::deliver_answers()
{
    // After publish_status: a client that reads /status right after its
    // answer sees its own write.
    for (auto& [promise, outcome] : m_answers) {
        promise.set_value(std::move(outcome));
    }
    m_answers.clear();
}

RequestOutcome NodeLoop::stopping_outcome()
{
    RequestOutcome stopping;
    stopping.kind = RequestOutcome::Kind::refused;
    stopping.retryable = true;
    stopping.message = "the node is stopping; the outcome of this request is unknown";
    return stopping;
}

RequestOutcome NodeLoop::not_leader_outcome() const
{
    RequestOutcome outcome;
    outcome.kind = RequestOutcome::Kind::not_leader;
    const raft::RaftNode& raft = m_replica->raft();
    outcome.term = raft.term();
    outcome.leader = raft.leader();
    if (outcome.leader != raft::k_no_node) {
        outcome.leader_name = m_address_book.get(outcome.leader).value_or("");
        outcome.message = "not the leader; node " + std::to_string(outcome.leader.value)
                          + " leads term " + std::to_string(outcome.term.value);
    } else {
        outcome.message =
            "not the leader, and no leader is known in term " + std::to_string(outcome.term.value);
    }
    return outcome;
}

RequestOutcome NodeLoop::committed_outcome(const runtime::AppliedEntry& applied) const
{
    RequestOutcome outcome;
    outcome.kind = RequestOutcome::Kind::committed;
    outcome.term = applied.entry.term;
    outcome.index = applied.entry.index;
    outcome.leader = m_id;
    outcome.result = applied.result;
    const escort::Escort& escort = m_replica->escort();
    outcome.mission = escort.mission();
    // Positions as of this entry: its lead point plus each slot's offset.
    for (const auto& [node, slot] : escort.roster()) {
        escort::Point offset = escort::Escort::slot_offset(slot);
        outcome.positions.push_back(
            NodePosition{node, escort::Point{applied.result.lead_after.x + offset.x,
                                             applied.result.lead_after.y + offset.y}});
    }
    return outcome;
}

} // namespace raftescort::node
