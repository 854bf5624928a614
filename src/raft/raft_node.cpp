#include <raftescort/raft/raft_node.hpp>

#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::raft {

namespace {

/// The outbox is drained every Ready; more than this in one step is a bug.
constexpr std::size_t k_messages_per_ready_max = 1 << 20;

bool is_vote_request(MessageType type)
{
    return type == MessageType::pre_vote || type == MessageType::vote;
}

bool is_from_leader(MessageType type)
{
    return type == MessageType::append || type == MessageType::heartbeat
           || type == MessageType::snapshot || type == MessageType::timeout_now;
}

} // namespace

std::vector<Entry> bootstrap_entries(const ConfState& conf)
{
    std::vector<Entry> entries;
    Index index{0};
    auto add = [&](ConfChangeType type, NodeId node) {
        index = next(index);
        entries.push_back(Entry{Term{1}, index, EntryType::conf_change,
                                encode_conf_change(ConfChange{type, node, ""})});
    };
    // promote_voter of a node that is not a learner adds it as a voter.
    for (NodeId voter : conf.voters) {
        add(ConfChangeType::promote_voter, voter);
    }
    for (NodeId learner : conf.learners) {
        add(ConfChangeType::add_learner, learner);
    }
    return entries;
}

const char* progress_state_name(Progress::State state)
{
    switch (state) {
    case Progress::State::probe: return "probe";
    case Progress::State::replicate: return "replicate";
    case Progress::State::snapshot: return "snapshot";
    }
    return "unknown";
}

util::Status Config::validate() const
{
    using util::ErrorCode;
    using util::make_error;
    if (id == k_no_node) {
        return make_error(ErrorCode::invalid_argument, "node id must not be 0");
    }
    if (heartbeat_ticks == 0) {
        return make_error(ErrorCode::invalid_argument, "heartbeat_ticks must be at least 1");
    }
    if (election_ticks < 3 * heartbeat_ticks) {
        return make_error(ErrorCode::invalid_argument,
                          "election_ticks must be at least 3 x heartbeat_ticks, so followers "
                          "do not time out between heartbeats");
    }
    if (entries_per_message_max == 0 || bytes_per_message_max == 0) {
        return make_error(ErrorCode::invalid_argument, "message limits must be positive");
    }
    if (inflight_messages_max == 0 || snapshot_chunk_bytes == 0) {
        return make_error(ErrorCode::invalid_argument,
                          "inflight_messages_max and snapshot_chunk_bytes must be positive");
    }
    return util::Ok{};
}

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
    for (Index index = next(snapshot_index); index <= applied; index = next(index)) {
        const Entry& entry = m_log->at(index);
        if (entry.type == EntryType::conf_change) {
            ConfChange change;
            if (decode_conf_change(entry.data, change)) {
                m_conf = apply_conf_change(m_conf, change);
            }
            m_conf_index = index;
        }
    }
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
    m_progress.clear();
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
    for (NodeId member : m_conf.voters) {
        Progress progress;
        progress.next_index = next(last);
        progress.recent_active = true;
        m_progress[member] = progress;
    }
    for (NodeId member : m_conf.learners) {
        Progress progress;
        progress.next_index = next(last);
        progress.recent_active = true;
        progress.learner = true;
        m_progress[member] = progress;
    }
    Progress& self = m_progress[m_config.id];
    self.match_index = m_log->stable();
    self.next_index = next(last);
    self.state = Progress::State::replicate;

    // The first entry of the term: Raft's no-op (§8), the escort's take_lead.
    Entry noop{m_term, next(last), EntryType::leader_noop, std::to_string(m_config.id.value)};
    m_log->append({noop});
    // No membership change until everything up to the no-op is applied: this
    // closes the single-server change bug described on raft-dev in 2015.
    m_pending_conf_index = noop.index;
    log(util::LogLevel::info, "became leader at index " + std::to_string(noop.index.value));
    broadcast_append();
}

bool RaftNode::promotable() const { return m_conf.voters.count(m_config.id) > 0; }

std::size_t RaftNode::quorum() const { return m_conf.voters.size() / 2 + 1; }

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
    log(util::LogLevel::info, "leader " + std::to_string(leader.value)
                                  + " is gone: campaigning in " + std::to_string(wait)
                                  + " ticks at the latest");
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
    if (m_votes.size() >= quorum()) {
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
    for (auto& [member, progress] : m_progress) {
        ++progress.ticks_since_contact;
        ++progress.ticks_since_progress;
        ++progress.snapshot_chunk_ticks;
    }

    if (m_election_elapsed >= m_config.election_ticks) {
        m_election_elapsed = 0;
        if (m_config.check_quorum) {
            std::size_t active = 0;
            for (const auto& [member, progress] : m_progress) {
                if (m_conf.voters.count(member) > 0
                    && (member == m_config.id || progress.recent_active)) {
                    ++active;
                }
            }
            // Raft §6.2 (check-quorum): a leader cut off from a majority steps down.
            if (active < quorum()) {
                log(util::LogLevel::warn, "lost contact with a majority, stepping down");
                become_follower(m_term, k_no_node);
                return;
            }
            for (auto& [member, progress] : m_progress) {
                progress.recent_active = member == m_config.id;
            }
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
        if (m_role == Role::leader && m_config.mutations.leader_ignores_higher_term) {
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
            become_follower(message.term, k_no_node);
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
                    || (m_config.mutations.leader_ignores_higher_term && m_role == Role::leader
                        && message.term > m_term);
    // Raft §5.4.1: grant only if the candidate's log is at least as up to date.
    bool log_ok = m_log->is_up_to_date(message.index, message.log_term)
                  || m_config.mutations.vote_without_log_check;

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

void RaftNode::step_leader(const Message& message)
{
    auto found = m_progress.find(message.from);
    switch (message.type) {
    case MessageType::pre_vote:
    case MessageType::vote: handle_vote_request(message); return;
    case MessageType::append_response:
        if (found != m_progress.end()) {
            handle_append_response(message);
        }
        return;
    case MessageType::heartbeat_response:
        if (found != m_progress.end()) {
            handle_heartbeat_response(message);
        }
        return;
    case MessageType::snapshot_response:
        if (found != m_progress.end()) {
            handle_snapshot_response(message);
        }
        return;
    case MessageType::append:
    case MessageType::heartbeat:
    case MessageType::snapshot:
        // Two leaders in one term would break Election Safety (§5.2). The
        // deliberate bug (e) reaches here from a newer term; ignore it then.
        RE_ASSERT(m_config.mutations.leader_ignores_higher_term);
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
    std::size_t granted = 0;
    std::size_t refused = 0;
    for (const auto& [voter, vote] : m_votes) {
        if (m_conf.voters.count(voter) == 0) {
            continue;
        }
        vote ? ++granted : ++refused;
    }
    if (granted >= quorum()) {
        if (pre_vote) {
            start_campaign(CampaignKind::election);
        } else {
            become_leader();
        }
    } else if (refused >= quorum()) {
        become_follower(m_term, k_no_node);
    }
}

void RaftNode::handle_append(const Message& message)
{
    Message response;
    response.type = MessageType::append_response;
    response.to = message.from;
    response.term = m_term;
    if (message.index < m_log->committed()) {
        // Everything up to our commit index already matches the leader's log.
        response.index = m_log->committed();
        send(std::move(response));
        return;
    }
    std::optional<Index> last_new =
        m_log->maybe_append(message.index, message.log_term, message.entries);
    if (last_new.has_value()) {
        // Raft §5.3: commit up to min(leaderCommit, index of last new entry).
        m_log->commit_to(std::min(message.commit, *last_new));
        response.index = *last_new;
        send(std::move(response));
        return;
    }
    response.reject = true;
    response.index = message.index;
    // Fast backtracking: tell the leader where our log diverges, so it can
    // skip a whole term per round trip instead of one entry (§5.3 end).
    if (message.index > m_log->last_index()) {
        response.conflict_index = next(m_log->last_index());
    } else {
        std::optional<Term> conflict = m_log->term(message.index);
        RE_ASSERT(conflict.has_value());
        response.conflict_term = *conflict;
        response.conflict_index = m_log->first_index_of_term_at(message.index);
    }
    send(std::move(response));
}

void RaftNode::handle_append_response(const Message& message)
{
    Progress& progress = m_progress[message.from];
    progress.recent_active = true;
    progress.ticks_since_contact = 0;

    if (message.reject) {
        if (message.index < progress.match_index
            || (message.index == progress.match_index && message.index != Index{0})) {
            return; // Stale: that prefix is already known to match.
        }
        if (progress.state == Progress::State::snapshot) {
            return;
        }
        if (progress.state == Progress::State::probe
            && previous(progress.next_index) != message.index) {
            return; // Stale answer to an earlier probe.
        }
        Index hint = message.conflict_index;
        if (message.conflict_term != Term{0}) {
            std::optional<Index> last_of_term =
                m_log->last_index_of_term(message.conflict_term, message.index);
            if (last_of_term.has_value()) {
                hint = next(*last_of_term);
            }
        }
        // The rejected prev index does not match, so the next one to try is at
        // most that index, and never below what is known to match.
        Index next_index = std::min(hint, message.index);
        next_index = std::max(next_index, next(progress.match_index));
        progress.state = Progress::State::probe;
        progress.inflight.clear();
        progress.probe_sent = false;
        progress.next_index = next_index;
        send_append(message.from, true);
        return;
    }

    bool advanced = false;
    if (message.index > progress.match_index) {
        progress.match_index = message.index;
        progress.ticks_since_progress = 0;
        advanced = true;
    }
    if (progress.next_index <= progress.match_index) {
        progress.next_index = next(progress.match_index);
    }
    progress.probe_sent = false;
    switch (progress.state) {
    case Progress::State::probe:
        progress.state = Progress::State::replicate;
        progress.inflight.clear();
        break;
    case Progress::State::replicate:
        while (!progress.inflight.empty() && progress.inflight.front() <= message.index) {
            progress.inflight.erase(progress.inflight.begin());
        }
        break;
    case Progress::State::snapshot:
        if (progress.match_index >= progress.snapshot_index) {
            progress.state = Progress::State::replicate;
            progress.inflight.clear();
        }
        break;
    }

    if (advanced && maybe_commit()) {
        // The new commit index rides on the next append or heartbeat; only
        // an idle leader sends appends for it alone, on its next tick. Under
        // load that halves the messages per write, and no client waits on
        // followers learning the commit (tick_heartbeat).
        m_commit_unannounced = true;
        for (const auto& entry : m_progress) {
            fill_window(entry.first);
        }
    } else {
        fill_window(message.from);
    }
    maybe_promote_learners();
    if (message.from == m_transfer_target) {
        maybe_send_timeout_now(message.from);
    }
}

void RaftNode::handle_heartbeat(const Message& message)
{
    // The leader sends commit = min(its commit, our match), so this is safe (§5.3).
    m_log->commit_to(std::min(message.commit, m_log->last_index()));
    Message response;
    response.type = MessageType::heartbeat_response;
    response.to = message.from;
    response.term = m_term;
    response.read_round = message.read_round;
    send(std::move(response));
}

void RaftNode::handle_heartbeat_response(const Message& message)
{
    Progress& progress = m_progress[message.from];
    progress.recent_active = true;
    progress.ticks_since_contact = 0;

    if (progress.state == Progress::State::snapshot) {
        // The chunk or its answer may have been lost: send the current chunk again.
        if (progress.snapshot_chunk_ticks >= m_config.election_ticks / 2) {
            progress.snapshot_chunk_outstanding = false;
            send_snapshot_chunk(message.from);
        }
    } else if (progress.state == Progress::State::probe) {
        // A probe or its answer may have been lost: probe again.
        progress.probe_sent = false;
        send_append(message.from, true);
    } else if (progress.match_index < m_log->last_index()) {
        if (progress.inflight.size() >= m_config.inflight_messages_max) {
            // An answer was lost; free a slot so replication resumes.
            progress.inflight.erase(progress.inflight.begin());
        }
        if (progress.next_index <= m_log->last_index()) {
            send_append(message.from, false);
        } else if (progress.ticks_since_progress >= 2 * m_config.heartbeat_ticks) {
            // Everything was sent but nothing acknowledged for two heartbeats:
            // an append was lost. Resend from the first unacknowledged entry.
            // (Resending on every heartbeat instead doubles the messages per
            // entry whenever an answer is merely in flight.)
            progress.state = Progress::State::probe;
            progress.next_index = next(progress.match_index);
            progress.inflight.clear();
            progress.probe_sent = false;
            send_append(message.from, true);
        }
    }

    if (message.read_round == 0 || m_conf.voters.count(message.from) == 0) {
        return;
    }
    for (PendingRead& read : m_pending_reads) {
        if (read.round <= message.read_round) {
            read.acks.insert(message.from);
        }
    }
    release_pending_reads();
}

void RaftNode::release_pending_reads()
{
    // Reads are answered in order: a later round confirms every earlier one.
    std::size_t confirmed = 0;
    for (std::size_t i = 0; i < m_pending_reads.size(); ++i) {
        std::size_t acks = 0;
        for (NodeId voter : m_pending_reads[i].acks) {
            acks += m_conf.voters.count(voter);
        }
        if (acks >= quorum()) {
            confirmed = i + 1;
        }
    }
    for (std::size_t i = 0; i < confirmed; ++i) {
        m_read_states.push_back(ReadState{m_pending_reads[i].request_id, m_pending_reads[i].index});
    }
    m_pending_reads.erase(m_pending_reads.begin(),
                          m_pending_reads.begin() + static_cast<std::ptrdiff_t>(confirmed));
}

void RaftNode::handle_snapshot_chunk(const Message& message)
{
    const SnapshotMetadata& metadata = message.snapshot_metadata;
    Message response;
    response.type = MessageType::snapshot_response;
    response.to = message.from;
    response.term = m_term;
    response.snapshot_metadata.index = metadata.index;
    response.snapshot_metadata.term = metadata.term;

    if (metadata.index <= m_log->committed()) {
        // Already have everything the snapshot covers.
        response.chunk_last = true;
        response.index = m_log->committed();
        send(std::move(response));
        return;
    }
    bool same_snapshot = m_incoming_snapshot.has_value()
                         && m_incoming_snapshot->index == metadata.index
                         && m_incoming_snapshot->term == metadata.term;
    if (same_snapshot && message.chunk_offset < m_incoming_snapshot_data.size()) {
        // A duplicate of an earlier chunk only re-acknowledges progress below.
    } else if (message.chunk_offset == 0) {
        m_incoming_snapshot = metadata;
        m_incoming_snapshot_data = message.chunk_data;
    } else if (same_snapshot && message.chunk_offset == m_incoming_snapshot_data.size()) {
        m_incoming_snapshot_data += message.chunk_data;
    } else {
        m_incoming_snapshot.reset();
        m_incoming_snapshot_data.clear();
        response.reject = true;
        send(std::move(response));
        return;
    }
    if (!message.chunk_last
        || message.chunk_offset + message.chunk_data.size() != m_incoming_snapshot_data.size()) {
        response.chunk_offset = m_incoming_snapshot_data.size();
        send(std::move(response));
        return;
    }

    Snapshot snapshot{*m_incoming_snapshot, std::move(m_incoming_snapshot_data)};
    m_incoming_snapshot.reset();
    m_incoming_snapshot_data.clear();
    if (m_log->match_term(metadata.index, metadata.term)) {
        // Our log already holds the snapshot's last entry: keep the log, commit.
        m_log->commit_to(metadata.index);
    } else {
        log(util::LogLevel::info,
            "installs snapshot at index " + std::to_string(metadata.index.value));
        m_log->restore(metadata.index, metadata.term);
        m_conf = metadata.conf;
        m_conf_index = metadata.index;
        m_snapshot = snapshot;
        m_pending_snapshot = std::move(snapshot);
    }
    response.chunk_last = true;
    response.index = metadata.index;
    send(std::move(response));
}

void RaftNode::handle_snapshot_response(const Message& message)
{
    Progress& progress = m_progress[message.from];
    progress.recent_active = true;
    progress.ticks_since_contact = 0;
    if (progress.state != Progress::State::snapshot) {
        return;
    }
    if (message.chunk_last && !message.reject) {
        progress.match_index = std::max(progress.match_index, message.index);
        progress.next_index = next(progress.match_index);
        progress.state = Progress::State::probe;
        progress.probe_sent = false;
        if (maybe_commit()) {
            broadcast_append();
        } else {
            send_append(message.from, true);
        }
        return;
    }
    if (message.snapshot_metadata.index != progress.snapshot_index) {
        return; // An answer about an older snapshot.
    }
    progress.snapshot_chunk_outstanding = false;
    if (message.reject) {
        progress.snapshot_offset = 0;
    } else if (message.chunk_offset > progress.snapshot_offset) {
        progress.snapshot_offset = message.chunk_offset;
    }
    send_snapshot_chunk(message.from);
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

// ---------------------------------------------------------------------------
// Replication (leader)

void RaftNode::send(Message message)
{
    message.from = m_config.id;
    RE_ASSERT(message.to != m_config.id);
    RE_ASSERT(message.to != k_no_node);
    RE_ASSERT(m_messages.size() < k_messages_per_ready_max);
    m_messages.push_back(std::move(message));
}

void RaftNode::send_append(NodeId to, bool send_if_empty)
{
    if (to == m_config.id) {
        return;
    }
    Progress& progress = m_progress[to];
    if (progress.state == Progress::State::snapshot) {
        return;
    }
    if (progress.state == Progress::State::probe && progress.probe_sent) {
        return;
    }
    if (progress.state == Progress::State::replicate
        && progress.inflight.size() >= m_config.inflight_messages_max) {
        return;
    }
    Index prev_index = previous(progress.next_index);
    std::optional<Term> prev_term = m_log->term(prev_index);
    if (!prev_term.has_value()) {
        // The entries it needs were compacted: send the snapshot instead.
        RE_ASSERT(m_snapshot.has_value());
        progress.state = Progress::State::snapshot;
        progress.snapshot_index = m_snapshot->metadata.index;
        progress.snapshot_offset = 0;
        progress.snapshot_chunk_outstanding = false;
        progress.inflight.clear();
        send_snapshot_chunk(to);
        return;
    }
    std::vector<Entry> entries =
        m_log->slice(progress.next_index, m_log->last_index(), m_config.entries_per_message_max,
                     m_config.bytes_per_message_max);
    if (entries.empty() && !send_if_empty) {
        return;
    }
    Message append;
    append.type = MessageType::append;
    append.to = to;
    append.term = m_term;
    append.index = prev_index;
    append.log_term = *prev_term;
    append.commit = m_log->committed();
    if (!entries.empty()) {
        // The stall clock measures time since entries last went out unanswered.
        progress.ticks_since_progress = 0;
        Index last_sent = entries.back().index;
        if (progress.state == Progress::State::replicate) {
            progress.next_index = next(last_sent);
            progress.inflight.push_back(last_sent);
        }
    }
    if (progress.state == Progress::State::probe) {
        progress.probe_sent = true;
    }
    append.entries = std::move(entries);
    send(std::move(append));
}

void RaftNode::send_snapshot_chunk(NodeId to)
{
    Progress& progress = m_progress[to];
    RE_ASSERT(progress.state == Progress::State::snapshot);
    RE_ASSERT(m_snapshot.has_value());
    if (progress.snapshot_chunk_outstanding) {
        return;
    }
    if (progress.snapshot_index != m_snapshot->metadata.index) {
        // We compacted again since: start over with the newer snapshot.
        progress.snapshot_index = m_snapshot->metadata.index;
        progress.snapshot_offset = 0;
    }
    const std::string& data = m_snapshot->data;
    RE_ASSERT(progress.snapshot_offset <= data.size());
    std::uint64_t length = std::min<std::uint64_t>(m_config.snapshot_chunk_bytes,
                                                   data.size() - progress.snapshot_offset);
    Message chunk;
    chunk.type = MessageType::snapshot;
    chunk.to = to;
    chunk.term = m_term;
    chunk.snapshot_metadata = m_snapshot->metadata;
    chunk.chunk_offset = progress.snapshot_offset;
    chunk.chunk_data = data.substr(progress.snapshot_offset, length);
    chunk.chunk_last = progress.snapshot_offset + length == data.size();
    progress.snapshot_chunk_outstanding = true;
    progress.snapshot_chunk_ticks = 0;
    send(std::move(chunk));
}

void RaftNode::send_heartbeat(NodeId to, std::uint64_t read_round)
{
    const Progress& progress = m_progress[to];
    Message heartbeat;
    heartbeat.type = MessageType::heartbeat;
    heartbeat.to = to;
    heartbeat.term = m_term;
    // Never tell a follower to commit past what it is known to hold.
    heartbeat.commit = std::min(progress.match_index, m_log->committed());
    heartbeat.read_round = read_round;
    send(std::move(heartbeat));
}

void RaftNode::fill_window(NodeId to)
{
    // Pipelining: entries keep going until the follower's window is full.
    Index before;
    do {
        before = m_progress[to].next_index;
        send_append(to, false);
    } while (m_progress[to].next_index > before
             && m_progress[to].state == Progress::State::replicate);
}

void RaftNode::broadcast_append()
{
    for (auto& [member, progress] : m_progress) {
        if (member != m_config.id) {
            send_append(member, true);
        }
    }
}

void RaftNode::broadcast_heartbeat(std::uint64_t read_round)
{
    for (auto& [member, progress] : m_progress) {
        if (member != m_config.id) {
            send_heartbeat(member, read_round);
        }
    }
}

bool RaftNode::maybe_commit()
{
    std::vector<Index> matches;
    for (NodeId voter : m_conf.voters) {
        auto found = m_progress.find(voter);
        matches.push_back(found == m_progress.end() ? Index{0} : found->second.match_index);
    }
    if (matches.empty()) {
        return false;
    }
    std::sort(matches.begin(), matches.end(), std::greater<>());
    Index candidate = matches[quorum() - 1];
    if (candidate <= m_log->committed()) {
        return false;
    }
    // Raft §5.4.2 (Figure 8): only entries of the current term are committed
    // by counting replicas; earlier ones are committed indirectly.
    std::optional<Term> candidate_term = m_log->term(candidate);
    RE_ASSERT(candidate_term.has_value());
    if (*candidate_term != m_term && !m_config.mutations.commit_old_term_by_count) {
        return false;
    }
    commit_to(candidate);
    return true;
}

void RaftNode::commit_to(Index index)
{
    bool had_current_term_commit = m_log->match_term(m_log->committed(), m_term);
    m_log->commit_to(index);
    if (m_role == Role::leader && !had_current_term_commit
        && m_log->match_term(m_log->committed(), m_term)) {
        // Reads waited for the first commit of this term (Raft §8).
        std::vector<std::uint64_t> waiting = std::move(m_reads_before_commit);
        m_reads_before_commit.clear();
        for (std::uint64_t request_id : waiting) {
            util::Status status = read_index(request_id);
            RE_ASSERT(status.ok());
        }
    }
}

void RaftNode::maybe_promote_learners()
{
    if (!m_config.auto_promote_learners || m_role != Role::leader) {
        return;
    }
    if (m_pending_conf_index > m_log->applied() || m_transfer_target != k_no_node) {
        return;
    }
    for (const auto& [member, progress] : m_progress) {
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

void RaftNode::maybe_send_timeout_now(NodeId to)
{
    const Progress& progress = m_progress[to];
    if (progress.match_index == m_log->last_index()) {
        Message timeout;
        timeout.type = MessageType::timeout_now;
        timeout.to = to;
        timeout.term = m_term;
        send(std::move(timeout));
    }
}

void RaftNode::abort_transfer() { m_transfer_target = k_no_node; }

// ---------------------------------------------------------------------------
// Client requests

util::Result<LogPosition> RaftNode::propose(std::string data)
{
    using util::ErrorCode;
    using util::make_error;
    if (m_role != Role::leader) {
        return make_error(ErrorCode::rejected,
                          "not the leader; the leader is " + std::to_string(m_leader.value));
    }
    if (m_transfer_target != k_no_node) {
        return make_error(ErrorCode::unavailable, "leadership transfer in progress");
    }
    if (m_log->last_index().value - m_log->committed().value >= m_config.uncommitted_entries_max) {
        return make_error(ErrorCode::unavailable, "too many uncommitted entries");
    }
    Entry entry{m_term, next(m_log->last_index()), EntryType::normal, std::move(data)};
    m_log->append({entry});
    // Proposals made together go out in one append per follower (batching).
    m_append_pending = true;
    check_invariants();
    return LogPosition{entry.term, entry.index};
}

util::Result<LogPosition> RaftNode::propose_conf_change(const ConfChange& change)
{
    using util::ErrorCode;
    using util::make_error;
    if (m_role != Role::leader) {
        return make_error(ErrorCode::rejected,
                          "not the leader; the leader is " + std::to_string(m_leader.value));
    }
    if (m_transfer_target != k_no_node) {
        return make_error(ErrorCode::unavailable, "leadership transfer in progress");
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
    Progress& progress = m_progress[target];
    if (progress.match_index == m_log->last_index()) {
        maybe_send_timeout_now(target);
    } else {
        progress.probe_sent = false;
        send_append(target, true);
    }
    return util::Ok{};
}

util::Status RaftNode::read_index(std::uint64_t request_id)
{
    using util::ErrorCode;
    using util::make_error;
    if (m_role != Role::leader) {
        return make_error(ErrorCode::rejected, "not the leader");
    }
    // Raft §8: a leader knows its commit index is current only after it has
    // committed an entry of its own term.
    if (!m_log->match_term(m_log->committed(), m_term)) {
        m_reads_before_commit.push_back(request_id);
        return util::Ok{};
    }
    if (m_conf.voters.size() == 1 && promotable()) {
        m_read_states.push_back(ReadState{request_id, m_log->committed()});
        return util::Ok{};
    }
    PendingRead read{request_id, m_log->committed(), ++m_read_round, {}};
    if (promotable()) {
        read.acks.insert(m_config.id);
    }
    m_pending_reads.push_back(std::move(read));
    broadcast_heartbeat(m_read_round);
    return util::Ok{};
}

// ---------------------------------------------------------------------------
// Membership

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
    Index last = m_log->last_index();
    for (auto it = m_progress.begin(); it != m_progress.end();) {
        it = m_conf.contains(it->first) ? std::next(it) : m_progress.erase(it);
    }
    for (NodeId member : m_conf.voters) {
        auto [it, added] = m_progress.try_emplace(member);
        it->second.learner = false;
        if (added) {
            it->second.next_index = next(last);
            it->second.recent_active = true;
        }
    }
    for (NodeId member : m_conf.learners) {
        auto [it, added] = m_progress.try_emplace(member);
        it->second.learner = true;
        if (added) {
            it->second.next_index = next(last);
            it->second.recent_active = true;
        }
    }
    if (m_transfer_target != k_no_node && m_conf.voters.count(m_transfer_target) == 0) {
        abort_transfer();
    }
    // Fewer voters may mean a smaller quorum is already reached.
    if (maybe_commit()) {
        broadcast_append();
    } else {
        broadcast_append();
    }
    release_pending_reads();
}

// ---------------------------------------------------------------------------
// Snapshots

void RaftNode::compact(Index index, std::string data)
{
    RE_ASSERT(index == m_log->applied());
    RE_ASSERT(index <= m_log->committed());
    if (index <= m_log->snapshot_index()) {
        return;
    }
    std::optional<Term> index_term = m_log->term(index);
    RE_ASSERT(index_term.has_value());
    m_snapshot = Snapshot{SnapshotMetadata{index, *index_term, m_conf}, std::move(data)};
    m_log->compact(index);
    check_invariants();
}

// ---------------------------------------------------------------------------
// Ready / advance

bool RaftNode::has_ready() const
{
    if (!m_messages.empty() || m_pending_snapshot.has_value() || !m_read_states.empty()
        || m_append_pending) {
        return true;
    }
    if (m_log->stable() < m_log->last_index()) {
        return true;
    }
    if (hard_state() != m_last_hard_state) {
        return true;
    }
    if (!m_last_soft_state.has_value() || !(*m_last_soft_state == SoftState{m_role, m_leader})) {
        return true;
    }
    Index apply_limit =
        m_config.mutations.apply_before_commit ? m_log->last_index() : m_log->committed();
    return m_log->applying() < apply_limit;
}

Ready RaftNode::ready()
{
    if (m_append_pending) {
        m_append_pending = false;
        if (m_role == Role::leader) {
            for (auto& [member, progress] : m_progress) {
                if (member != m_config.id) {
                    send_append(member, false);
                }
            }
            // Those appends carry the commit index to every follower that
            // is keeping up; the rest hear it with the next heartbeat.
            m_commit_unannounced = false;
        }
    }
    Ready ready;
    SoftState soft{m_role, m_leader};
    if (!m_last_soft_state.has_value() || !(*m_last_soft_state == soft)) {
        ready.soft_state = soft;
    }
    HardState hard = hard_state();
    if (hard != m_last_hard_state) {
        ready.hard_state = hard;
    }
    if (m_pending_snapshot.has_value()) {
        ready.snapshot = m_pending_snapshot;
    }
    ready.entries = m_log->unstable_entries();
    // A leader whose term and vote are already durable may replicate while
    // it writes (ready.hpp, step 0). Otherwise (a lone voter that just won
    // its election in this Ready) an append would expose a term that a
    // crash before the fsync could let this node win a second time.
    bool term_durable = !ready.hard_state
                        || (ready.hard_state->term == m_last_hard_state.term
                            && ready.hard_state->voted_for == m_last_hard_state.voted_for);
    if (m_role == Role::leader && term_durable) {
        for (Message& message : m_messages) {
            bool early =
                message.type == MessageType::append || message.type == MessageType::heartbeat;
            (early ? ready.early_messages : ready.messages).push_back(std::move(message));
        }
    } else {
        ready.messages = std::move(m_messages);
    }
    m_messages.clear();
    // The deliberate bug (f) hands out entries that are not yet committed.
    Index apply_limit =
        m_config.mutations.apply_before_commit ? m_log->last_index() : m_log->committed();
    ready.committed_entries = m_log->entries_to_apply(apply_limit);
    if (!ready.committed_entries.empty()) {
        m_log->applying_to(ready.committed_entries.back().index);
    }
    ready.read_states = std::move(m_read_states);
    m_read_states.clear();
    return ready;
}

void RaftNode::advance(const Ready& ready)
{
    if (ready.soft_state.has_value()) {
        m_last_soft_state = ready.soft_state;
    }
    if (ready.hard_state.has_value()) {
        m_last_hard_state = *ready.hard_state;
    }
    if (ready.snapshot.has_value() && m_pending_snapshot.has_value()
        && m_pending_snapshot->metadata == ready.snapshot->metadata) {
        m_pending_snapshot.reset();
    }
    if (!ready.entries.empty()) {
        m_log->stable_to(ready.entries.back().index, ready.entries.back().term);
    }
    for (const Entry& entry : ready.committed_entries) {
        if (entry.index <= m_log->applied()) {
            continue;
        }
        m_log->applied_to(entry.index);
        if (entry.type == EntryType::conf_change) {
            apply_conf_entry(entry);
        }
    }
    if (m_role == Role::leader) {
        // The leader counts itself only for entries it has made durable.
        Progress& self = m_progress[m_config.id];
        if (m_log->stable() > self.match_index) {
            self.match_index = m_log->stable();
            if (maybe_commit()) {
                broadcast_append();
            }
        }
        maybe_promote_learners();
    }
    check_invariants();
}

// ---------------------------------------------------------------------------
// Invariants

void RaftNode::check_invariants() const
{
    // Indexes are ordered: applied <= applying <= commit <= last (unless the
    // deliberate bug (f) applies ahead of commit).
    RE_ASSERT(m_log->applied() <= m_log->applying());
    if (!m_config.mutations.apply_before_commit) {
        RE_ASSERT(m_log->applying() <= m_log->committed());
    }
    RE_ASSERT(m_log->committed() <= m_log->last_index());
    RE_ASSERT(m_log->snapshot_index() <= m_log->applied());
    RE_ASSERT(m_log->stable() <= m_log->last_index());
    // A leader or candidate has voted for itself in its term.
    if (m_role == Role::leader || m_role == Role::candidate) {
        RE_ASSERT(m_voted_for == m_config.id || m_config.mutations.leader_ignores_higher_term);
    }
    if (m_role == Role::leader) {
        RE_ASSERT(m_leader == m_config.id);
    } else {
        RE_ASSERT(m_progress.empty());
    }
    // The last entry's term never exceeds the node's term.
    RE_ASSERT(m_log->last_term() <= m_term);
}

} // namespace raftescort::raft
