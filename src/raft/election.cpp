// Leader election (Raft §5.2, §5.4.1) with pre-vote (§9.6), the leader
// lease that check-quorum gives voters (§6), and leadership transfer's
// timeout_now (dissertation §3.10).

#include <raftescort/raft/raft_node.hpp>

#include "raft/message_kinds.hpp"
#include "raft/mutants.hpp"
#include "raft/quorum.hpp"
#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::raft {

bool RaftNode::promotable() const { return m_conf.voters.count(m_config.id) > 0; }

bool RaftNode::in_lease() const
{
    // Raft §6 / dissertation §4.2.3: while a leader is known and heard from
    // recently, ignore candidates; this keeps removed or partitioned nodes
    // from disrupting a healthy cluster.
    return m_config.check_quorum && m_leader != k_no_node
           && m_election_elapsed < m_config.election_ticks;
}

void RaftNode::campaign()
{
    start_campaign(m_config.pre_vote ? CampaignKind::pre_vote : CampaignKind::election);
}

void RaftNode::leader_gone(NodeId leader)
{
    if (m_role != Role::follower || leader == k_no_node || m_leader != leader) {
        return;
    }
    m_leader = k_no_node;
    // The wait is drawn from a whole election timeout's worth of ticks:
    // followers that learn of the loss at the same moment then rarely pick
    // the same tick and split the vote. Moving the elapsed count (not the
    // drawn timeout) means the next message from a leader resets it in full.
    const std::uint32_t wait =
        1 + static_cast<std::uint32_t>(m_rng.uniform(m_config.election_ticks));
    if (m_randomized_election_ticks > wait) {
        m_election_elapsed = std::max(m_election_elapsed, m_randomized_election_ticks - wait);
    }
    log(util::LogLevel::info, "leader " + std::to_string(leader.value) + " is gone: campaigning in "
                                  + std::to_string(wait) + " ticks at the latest");
}

void RaftNode::start_campaign(CampaignKind kind)
{
    if (!promotable() || m_role == Role::leader) {
        return;
    }
    // A node with committed membership changes it has not applied yet would
    // campaign with a stale view of who votes (etcd refuses the same way).
    for (Index index = next(m_log->applied()); index <= m_log->committed(); index = next(index)) {
        if (m_log->at(index).type == EntryType::conf_change) {
            log(util::LogLevel::info, "waits to apply a membership change before campaigning");
            return;
        }
    }
    if (kind == CampaignKind::pre_vote) {
        become_pre_candidate();
    } else {
        become_candidate();
    }
    Term campaign_term = kind == CampaignKind::pre_vote ? next(m_term) : m_term;
    MessageType type = kind == CampaignKind::pre_vote ? MessageType::pre_vote : MessageType::vote;
    log(util::LogLevel::info, std::string("starts ") + message_type_name(type) + " for term "
                                  + std::to_string(campaign_term.value));

    m_votes[m_config.id] = true;
    if (quorum::tally(m_conf.voters, m_votes) == quorum::VoteResult::won) {
        // A single voter wins at once.
        if (kind == CampaignKind::pre_vote) {
            start_campaign(CampaignKind::election);
        } else {
            become_leader();
        }
        return;
    }
    for (NodeId voter : m_conf.voters) {
        if (voter == m_config.id) {
            continue;
        }
        Message request;
        request.type = type;
        request.to = voter;
        request.term = campaign_term;
        request.index = m_log->last_index();
        request.log_term = m_log->last_term();
        request.transfer = kind == CampaignKind::transfer;
        send(std::move(request));
    }
}

// Refusals carry our own term: a candidate with a newer term ignores them,
// one with an older term steps down; either way the reason is on record.
void RaftNode::refuse_vote(const Message& request, VoteRefusal refusal)
{
    RE_ASSERT(is_vote_request(request.type));
    RE_ASSERT(refusal != VoteRefusal::none);
    Message response;
    response.type = request.type == MessageType::pre_vote ? MessageType::pre_vote_response
                                                          : MessageType::vote_response;
    response.to = request.from;
    response.term = m_term;
    response.reject = true;
    response.refusal = refusal;
    send(std::move(response));
}

void RaftNode::handle_vote_request(const Message& message)
{
    bool pre_vote = message.type == MessageType::pre_vote;
    bool can_vote = m_voted_for == message.from
                    || (m_voted_for == k_no_node && m_leader == k_no_node)
                    || (pre_vote && message.term > m_term)
                    || (RE_MUTANT(m_config, leader_ignores_higher_term) && m_role == Role::leader
                        && message.term > m_term);
    // Raft §5.4.1: grant only if the candidate's log is at least as up to date.
    bool log_ok = m_log->is_up_to_date(message.index, message.log_term)
                  || RE_MUTANT(m_config, vote_without_log_check);

    log(util::LogLevel::debug, std::string(can_vote && log_ok ? "grants " : "refuses ")
                                   + message_type_name(message.type) + " to "
                                   + std::to_string(message.from.value));
    if (!can_vote || !log_ok) {
        refuse_vote(message, !can_vote ? VoteRefusal::already_voted : VoteRefusal::stale_log);
        return;
    }
    if (!pre_vote) {
        m_election_elapsed = 0;
        m_voted_for = message.from;
    }
    Message response;
    response.type = pre_vote ? MessageType::pre_vote_response : MessageType::vote_response;
    response.to = message.from;
    // A grant carries the candidate's term: for a pre-vote, the term it would campaign in.
    response.term = message.term;
    send(std::move(response));
}

void RaftNode::handle_vote_response(const Message& message)
{
    bool pre_vote = m_role == Role::pre_candidate;
    MessageType expected = pre_vote ? MessageType::pre_vote_response : MessageType::vote_response;
    if (message.type != expected) {
        return;
    }
    // A granted pre-vote carries the prospective term; a refusal carries ours.
    Term expected_term = pre_vote && !message.reject ? next(m_term) : m_term;
    if (message.term != expected_term) {
        return;
    }
    // Only voters of the current configuration count (Raft §6).
    if (m_conf.voters.count(message.from) == 0) {
        return;
    }
    m_votes.emplace(message.from, !message.reject);
    switch (quorum::tally(m_conf.voters, m_votes)) {
    case quorum::VoteResult::won:
        if (pre_vote) {
            start_campaign(CampaignKind::election);
        } else {
            become_leader();
        }
        return;
    case quorum::VoteResult::lost: become_follower(m_term, k_no_node); return;
    case quorum::VoteResult::pending: return;
    }
}

void RaftNode::handle_timeout_now(const Message& message)
{
    // Dissertation §3.10: the transfer target campaigns at once, skipping
    // pre-vote, and voters disregard the leader lease for it.
    if (!promotable()) {
        return;
    }
    log(util::LogLevel::info, "timeout_now from " + std::to_string(message.from.value));
    start_campaign(CampaignKind::transfer);
}

util::Status RaftNode::set_timing(std::uint32_t heartbeat_ticks, std::uint32_t election_ticks)
{
    Config changed = m_config;
    changed.heartbeat_ticks = heartbeat_ticks;
    changed.election_ticks = election_ticks;
    RE_TRY(valid, changed.validate());
    (void)valid;
    m_config.heartbeat_ticks = heartbeat_ticks;
    m_config.election_ticks = election_ticks;
    // Elapsed counts measured against the old timing would fire at once
    // when it shrinks; starting over only ever waits longer, which is safe.
    m_election_elapsed = 0;
    m_heartbeat_elapsed = 0;
    reset_randomized_election_ticks();
    return util::Ok{};
}

void RaftNode::set_protocol(bool pre_vote, bool check_quorum)
{
    const bool pre_vote_off = m_config.pre_vote && !pre_vote;
    const bool check_quorum_on = !m_config.check_quorum && check_quorum;
    m_config.pre_vote = pre_vote;
    m_config.check_quorum = check_quorum;
    if (pre_vote_off && m_role == Role::pre_candidate) {
        // Grants may still arrive and would be harmless, but a node that no
        // longer pre-votes should campaign the plain way: back to following
        // at its term, with a fresh timeout before it campaigns for real.
        log(util::LogLevel::info, "pre-vote switched off: abandons its pre-vote");
        become_follower(m_term, k_no_node);
        RE_ASSERT(m_role == Role::follower);
    }
    if (check_quorum_on && m_role == Role::leader) {
        // The activity flags were not cleared while check-quorum was off, so
        // they describe an unknown past; judge only what is heard from now.
        m_tracker.restart_activity_round(m_config.id);
        m_election_elapsed = 0;
    }
    RE_ASSERT(m_config.pre_vote == pre_vote);
    RE_ASSERT(m_config.check_quorum == check_quorum);
    log(util::LogLevel::info, std::string("pre-vote ") + (pre_vote ? "on" : "off")
                                  + ", check-quorum " + (check_quorum ? "on" : "off"));
}

} // namespace raftescort::raft
