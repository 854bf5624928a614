// RaftNode's construction from storage, its roles, its clock and the
// dispatch of every message by term and role. The handlers live beside it:
// election.cpp, replication.cpp, snapshot_transfer.cpp, membership.cpp,
// reads.cpp and ready.cpp.

#include <raftescort/raft/raft_node.hpp>

#include "raft/message_kinds.hpp"
#include "raft/mutants.hpp"
#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::raft {

RaftNode::RaftNode(const Config& config, PersistedState state)
    : m_config(config), m_rng(config.seed ^ (config.id.value * 0x9e3779b97f4a7c15ULL))
{
    util::Status valid = m_config.validate();
    RE_ASSERT(valid.ok());
    if (m_config.logger == nullptr) {
        m_config.logger = &m_null_logger;
    }
    RE_ASSERT(m_config.logger != nullptr);

    Index snapshot_index;
    Term snapshot_term;
    if (state.snapshot.has_value()) {
        snapshot_index = state.snapshot->metadata.index;
        snapshot_term = state.snapshot->metadata.term;
        m_conf_index = snapshot_index;
        m_snapshot = std::move(state.snapshot);
    }
    // What storage holds; the first Ready persists any difference from it.
    m_last_hard_state = state.hard_state;
    bool bootstrap = !m_snapshot.has_value() && state.entries.empty()
                     && state.hard_state.term == Term{0} && !state.initial_conf.voters.empty();
    m_log = std::make_unique<RaftLog>(snapshot_index, snapshot_term, std::move(state.entries));
    if (bootstrap) {
        // A new cluster writes its first membership into the log, so the log
        // alone describes the cluster and a node added later learns every
        // member by replaying it (etcd bootstraps the same way).
        for (const Entry& entry : bootstrap_entries(state.initial_conf)) {
            m_log->append({entry});
        }
        state.hard_state.term = Term{1};
        state.hard_state.commit = m_log->last_index();
    }
    m_conf = ConfState{};
    if (m_snapshot.has_value()) {
        m_conf = m_snapshot->metadata.conf;
    }

    m_term = state.hard_state.term;
    m_voted_for = state.hard_state.voted_for;
    if (m_term < m_log->last_term()) {
        // A crash between a Ready's writes and its fsync can keep entries (or a
        // snapshot) of a newer term while losing the hard state written after
        // them. Nothing sent depended on that lost write, so no vote was
        // promised in the newer term: adopt it with no vote.
        m_term = m_log->last_term();
        m_voted_for = k_no_node;
    }
    // The durable commit index can be ahead of the entries that survived only
    // if storage lost synced data, which the storage layer treats as fatal.
    RE_ASSERT(state.hard_state.commit <= m_log->last_index());
    m_log->commit_to(std::max(state.hard_state.commit, snapshot_index));

    Index applied = std::max(state.applied, snapshot_index);
    RE_ASSERT(applied <= m_log->committed());
    // Membership follows every conf change the application already applied;
    // later ones are applied again as their entries are handed out.
    replay_conf_changes(next(snapshot_index), applied);
    m_log->applying_to(applied);
    m_log->applied_to(applied);

    m_last_soft_state = SoftState{m_role, m_leader};
    become_follower(m_term, k_no_node);
    check_invariants();
}

RaftNode::~RaftNode() = default;

Index RaftNode::commit_index() const { return m_log->committed(); }
Index RaftNode::applied_index() const { return m_log->applied(); }
Index RaftNode::last_index() const { return m_log->last_index(); }
Index RaftNode::first_index() const { return m_log->first_index(); }
std::optional<Term> RaftNode::term_at(Index index) const { return m_log->term(index); }

std::vector<Entry> RaftNode::entries(Index low, Index high) const
{
    low = std::max(low, m_log->first_index());
    high = std::min(high, m_log->last_index());
    return m_log->slice(low, high, UINT64_MAX, UINT64_MAX);
}

HardState RaftNode::hard_state() const
{
    return HardState{m_term, m_voted_for, m_log->committed()};
}

void RaftNode::log(util::LogLevel level, const std::string& message) const
{
    if (!m_config.logger->enabled(level)) {
        return;
    }
    m_config.logger->log(level, "node " + std::to_string(m_config.id.value) + " term "
                                    + std::to_string(m_term.value) + " " + role_name(m_role) + ": "
                                    + message);
}

// ---------------------------------------------------------------------------
// Roles

void RaftNode::reset(Term term)
{
    if (m_term != term) {
        m_term = term;
        m_voted_for = k_no_node;
    }
    m_leader = k_no_node;
    m_election_elapsed = 0;
    m_heartbeat_elapsed = 0;
    reset_randomized_election_ticks();
    m_votes.clear();
    m_tracker.clear();
    m_transfer_target = k_no_node;
    m_pending_reads.clear();
    m_reads_before_commit.clear();
}

void RaftNode::reset_randomized_election_ticks()
{
    // Raft §5.2: randomized timeouts make split votes rare.
    m_randomized_election_ticks =
        m_config.election_ticks
        + static_cast<std::uint32_t>(m_rng.uniform(m_config.election_ticks));
}

void RaftNode::become_follower(Term term, NodeId leader)
{
    reset(term);
    m_role = Role::follower;
    m_leader = leader;
}

void RaftNode::become_pre_candidate()
{
    // Raft §9.6: a pre-candidate keeps its term; it only asks whether it could win.
    RE_ASSERT(m_role != Role::leader);
    m_votes.clear();
    m_leader = k_no_node;
    m_role = Role::pre_candidate;
    m_election_elapsed = 0;
    reset_randomized_election_ticks();
}

void RaftNode::become_candidate()
{
    RE_ASSERT(m_role != Role::leader);
    reset(next(m_term));
    m_role = Role::candidate;
    m_voted_for = m_config.id;
}

void RaftNode::become_leader()
{
    RE_ASSERT(m_role == Role::candidate);
    Term term = m_term;
    NodeId voted_for = m_voted_for;
    reset(term);
    m_voted_for = voted_for;
    m_role = Role::leader;
    m_leader = m_config.id;

    Index last = m_log->last_index();
    m_tracker.reset(m_conf, last);
    Progress& self = m_tracker.at(m_config.id);
    self.match_index = m_log->stable();
    self.become_replicate();

    // The first entry of the term: Raft's no-op (§8), the escort's take_lead.
    Entry noop{m_term, next(last), EntryType::leader_noop, std::to_string(m_config.id.value)};
    m_log->append({noop});
    // No membership change until everything up to the no-op is applied: this
    // closes the single-server change bug described on raft-dev in 2015.
    m_pending_conf_index = noop.index;
    log(util::LogLevel::info, "became leader at index " + std::to_string(noop.index.value));
    broadcast_append();
}

// ---------------------------------------------------------------------------
// Time

void RaftNode::tick()
{
    if (m_role == Role::leader) {
        tick_heartbeat();
    } else {
        tick_election();
    }
    check_invariants();
}

void RaftNode::tick_election()
{
    ++m_election_elapsed;
    if (!promotable()) {
        return;
    }
    // The only voter of its configuration waits for nobody: no other node
    // can lead it or split its vote, so it campaigns on its first tick (a
    // new cluster's founder gets its leader in a tick, not a timeout).
    bool sole_voter = m_conf.voters.size() == 1;
    if (sole_voter || m_election_elapsed >= m_randomized_election_ticks) {
        m_election_elapsed = 0;
        campaign();
    }
}

void RaftNode::tick_heartbeat()
{
    ++m_heartbeat_elapsed;
    ++m_election_elapsed;
    m_tracker.tick();

    if (m_election_elapsed >= m_config.election_ticks) {
        m_election_elapsed = 0;
        // Raft §6.2 (check-quorum): a leader cut off from a majority steps down.
        if (m_config.check_quorum && !m_tracker.quorum_active_round(m_conf.voters, m_config.id)) {
            log(util::LogLevel::warn, "lost contact with a majority, stepping down");
            become_follower(m_term, k_no_node);
            return;
        }
        if (m_transfer_target != k_no_node) {
            log(util::LogLevel::info, "leadership transfer timed out");
            abort_transfer();
        }
    }

    if (m_heartbeat_elapsed >= m_config.heartbeat_ticks) {
        m_heartbeat_elapsed = 0;
        broadcast_heartbeat(0);
        m_commit_unannounced = false;
    } else if (m_commit_unannounced) {
        // Followers apply within a tick of the commit even when idle.
        m_commit_unannounced = false;
        broadcast_append();
    }
}

// ---------------------------------------------------------------------------
// Messages

void RaftNode::step(const Message& message)
{
    RE_ASSERT(message.to == m_config.id);
    if (step_term(message)) {
        switch (m_role) {
        case Role::leader: step_leader(message); break;
        case Role::pre_candidate:
        case Role::candidate: step_candidate(message); break;
        case Role::follower: step_follower(message); break;
        }
    }
    check_invariants();
}

// Handles the message's term once, for every role (Raft §5.1). Returns false
// when the message needs no further handling.
bool RaftNode::step_term(const Message& message)
{
    if (message.term > m_term) {
        if (is_vote_request(message.type) && !message.transfer && in_lease()) {
            refuse_vote(message, VoteRefusal::leader_alive);
            return false;
        }
        if (m_role == Role::leader && RE_MUTANT(m_config, leader_ignores_higher_term)) {
            // Deliberate bug (e): keep leading and handle the message as our own term's.
            return true;
        }
        if (message.type == MessageType::pre_vote) {
            // A pre-vote never changes the receiver's term (§9.6).
        } else if (message.type == MessageType::pre_vote_response && !message.reject) {
            // A granted pre-vote carries the term we would campaign in.
        } else if (is_from_leader(message.type)) {
            become_follower(message.term, message.from);
        } else {
            const std::uint32_t elapsed = m_election_elapsed;
            become_follower(message.term, k_no_node);
            if (message.type == MessageType::vote) {
                // Raft Figure 2: the timer restarts on hearing from the leader
                // or granting a vote (handle_vote_request), not on a request
                // this node may refuse. Otherwise candidates with stale logs
                // and shorter timeouts (during a timing change, say) can keep
                // resetting the up-to-date nodes and no one is ever elected.
                m_election_elapsed = elapsed;
            }
        }
        return true;
    }
    if (message.term < m_term) {
        if (message.type == MessageType::append || message.type == MessageType::heartbeat
            || message.type == MessageType::snapshot) {
            // Tell a stale leader about the newer term; with check-quorum or
            // pre-vote it could otherwise stay a leader cut off from the cluster.
            Message response;
            response.type = MessageType::append_response;
            response.to = message.from;
            response.term = m_term;
            response.reject = true;
            response.index = message.index;
            response.conflict_index = next(m_log->last_index());
            send(std::move(response));
        } else if (is_vote_request(message.type)) {
            refuse_vote(message, VoteRefusal::lower_term);
        }
        return false;
    }
    return true;
}

void RaftNode::step_leader(const Message& message)
{
    bool member = m_tracker.contains(message.from);
    switch (message.type) {
    case MessageType::pre_vote:
    case MessageType::vote: handle_vote_request(message); return;
    case MessageType::append_response:
        if (member) {
            handle_append_response(message);
        }
        return;
    case MessageType::heartbeat_response:
        if (member) {
            handle_heartbeat_response(message);
        }
        return;
    case MessageType::snapshot_response:
        if (member) {
            handle_snapshot_response(message);
        }
        return;
    case MessageType::append:
    case MessageType::heartbeat:
    case MessageType::snapshot:
        // Two leaders in one term would break Election Safety (§5.2). The
        // deliberate bug (e) reaches here from a newer term; ignore it then.
        if (!RE_MUTANT(m_config, leader_ignores_higher_term)) {
            util::assertion_failed("two leaders in one term", __FILE__, __LINE__);
        }
        return;
    default: return;
    }
}

void RaftNode::step_candidate(const Message& message)
{
    switch (message.type) {
    case MessageType::pre_vote:
    case MessageType::vote: handle_vote_request(message); return;
    case MessageType::append:
    case MessageType::heartbeat:
    case MessageType::snapshot:
        // Raft §5.2: a candidate that hears from a leader of its term steps down.
        become_follower(m_term, message.from);
        step_follower(message);
        return;
    case MessageType::pre_vote_response:
    case MessageType::vote_response: handle_vote_response(message); return;
    default: return;
    }
}

void RaftNode::step_follower(const Message& message)
{
    switch (message.type) {
    case MessageType::pre_vote:
    case MessageType::vote: handle_vote_request(message); return;
    case MessageType::append:
        m_election_elapsed = 0;
        m_leader = message.from;
        handle_append(message);
        return;
    case MessageType::heartbeat:
        m_election_elapsed = 0;
        m_leader = message.from;
        handle_heartbeat(message);
        return;
    case MessageType::snapshot:
        m_election_elapsed = 0;
        m_leader = message.from;
        handle_snapshot_chunk(message);
        return;
    case MessageType::timeout_now:
        m_leader = message.from;
        handle_timeout_now(message);
        return;
    default: return;
    }
}

} // namespace raftescort::raft
