// NodeLoop's view of elections (node_loop.hpp): this node's candidacies,
// the ballots it received, the leaderships it won and its role changes,
// each recorded in the registry.

#include "node/node_loop.hpp"

#include <raftescort/transport/clock.hpp>

#include <spdlog/spdlog.h>

#include <string>

namespace raftescort::node {

void NodeLoop::record_ballot(const raft::Message& message)
{
    // The candidate records its own ballots: it is the one place that sees
    // every answer to its candidacy, with the voter's reason.
    const raft::RaftNode& raft = m_replica->raft();
    bool own_ballot = message.type == raft::MessageType::vote_response
                      && raft.role() == raft::Role::candidate && m_candidacy_term
                      && message.term == *m_candidacy_term && raft.term() == *m_candidacy_term;
    bool explained = !message.reject || message.refusal != raft::VoteRefusal::none;
    if (!own_ballot || !explained) {
        return;
    }
    registry::Ballot ballot;
    ballot.term = message.term;
    ballot.candidate = m_id;
    ballot.voter = message.from;
    ballot.granted = !message.reject;
    ballot.refusal = message.reject ? message.refusal : raft::VoteRefusal::none;
    if (ballot.granted && m_voters_granted.insert(message.from).second) {
        ++m_votes_granted;
    }
    m_registry.post([ballot](registry::Registry& registry) { registry.record_ballot(ballot); });
}

void NodeLoop::observe_role()
{
    const raft::RaftNode& raft = m_replica->raft();
    raft::Role role = raft.role();
    raft::Term term = raft.term();
    if (role == m_last_role && term == m_last_term) {
        return;
    }
    std::uint32_t votes = m_votes_granted;
    if (m_candidacy_term && !(role == raft::Role::candidate && term == *m_candidacy_term)) {
        end_candidacy(role, term);
    }
    if (role == raft::Role::candidate && !m_candidacy_term) {
        begin_candidacy(term);
    }
    if (role == raft::Role::leader && m_last_role != raft::Role::leader) {
        record_leadership(term, votes);
    }
    if (role != m_last_role) {
        record_role_change(role, term);
    }
    if (role != raft::Role::candidate && !m_candidacy_term) {
        m_votes_granted = 0;
        m_voters_granted.clear();
    }
    m_last_role = role;
    m_last_term = term;
}

void NodeLoop::end_candidacy(raft::Role role, raft::Term term)
{
    raft::Term candidacy = *m_candidacy_term;
    registry::ElectionOutcome result = registry::ElectionOutcome::lost;
    if (role == raft::Role::leader && term == candidacy) {
        result = registry::ElectionOutcome::won;
        ++m_metrics.elections_won;
    } else if (term > candidacy) {
        bool campaigning = role == raft::Role::candidate || role == raft::Role::pre_candidate;
        result =
            campaigning ? registry::ElectionOutcome::split : registry::ElectionOutcome::superseded;
    }
    m_registry.post([candidacy, self = m_id, result](registry::Registry& registry) {
        registry.record_outcome(candidacy, self, result);
    });
    m_candidacy_term.reset();
}

void NodeLoop::begin_candidacy(raft::Term term)
{
    ++m_metrics.elections_started;
    m_candidacy_term = term;
    m_votes_granted = 1;
    m_voters_granted = {m_id};
    registry::Event event{registry::EventKind::election,
                          m_id,
                          term,
                          raft::Index{},
                          "node " + std::to_string(m_id.value) + " campaigns",
                          transport::wall_clock_ms(),
                          {}};
    m_registry.post([term, self = m_id, event](registry::Registry& registry) {
        registry.record_candidacy(term, self);
        registry.record_event(event);
    });
}

void NodeLoop::record_leadership(raft::Term term, std::uint32_t votes)
{
    if (votes == 0) {
        // Won without being seen as a candidate: a one-voter cluster.
        votes = 1;
        ++m_metrics.elections_started;
        ++m_metrics.elections_won;
        m_registry.post([term, self = m_id](registry::Registry& registry) {
            registry.record_candidacy(term, self);
            registry.record_outcome(term, self, registry::ElectionOutcome::won);
        });
    }
    registry::LeaderRecord record;
    record.id = m_id;
    record.name = m_options.self_address;
    record.term = term;
    record.votes = votes;
    record.voters = static_cast<std::uint32_t>(m_replica->raft().conf().voters.size());
    record.timestamp_ms = transport::wall_clock_ms();
    m_registry.record_leader(record);
    m_next_step_ms = transport::monotonic_ms() + m_options.step_interval_ms;
    spdlog::info("leader in term {} with {} of {} votes", term.value, votes, record.voters);
}

void NodeLoop::record_role_change(raft::Role role, raft::Term term)
{
    std::string detail = std::string(raft::role_name(m_last_role)) + " -> " + raft::role_name(role);
    spdlog::info("term {}: {}", term.value, detail);
    registry::Event event{
        registry::EventKind::role_change, m_id, term, m_replica->raft().commit_index(), detail,
        transport::wall_clock_ms(),       {}};
    m_registry.post([event](registry::Registry& registry) { registry.record_event(event); });
}

} // namespace raftescort::node
