// Log replication (Raft §5.3): the leader's appends and heartbeats, the
// follower's answers, flow control through each follower's Progress, and
// the commit rule (§5.4.2).

#include <raftescort/raft/raft_node.hpp>

#include "raft/mutants.hpp"
#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::raft {

namespace {

/// The outbox is drained every Ready; more than this in one step is a bug.
constexpr std::size_t k_messages_per_ready_max = 1 << 20;

} // namespace

// ---------------------------------------------------------------------------
// Follower side

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

// ---------------------------------------------------------------------------
// Leader side

void RaftNode::handle_append_response(const Message& message)
{
    Progress& progress = m_tracker.at(message.from);
    progress.heard_from();

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
        progress.become_probe(next_index);
        send_append(message.from, true);
        return;
    }

    bool advanced = progress.acknowledge(message.index);
    if (advanced && maybe_commit()) {
        // The new commit index rides on the next append or heartbeat; only
        // an idle leader sends appends for it alone, on its next tick. Under
        // load that halves the messages per write, and no client waits on
        // followers learning the commit (tick_heartbeat).
        m_commit_unannounced = true;
        for (const auto& entry : m_tracker.all()) {
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

void RaftNode::handle_heartbeat_response(const Message& message)
{
    Progress& progress = m_tracker.at(message.from);
    progress.heard_from();

    if (progress.state == Progress::State::snapshot) {
        // The chunk or its answer may have been lost: send the current chunk again.
        if (progress.snapshot_chunk_ticks >= m_config.election_ticks / 2) {
            progress.snapshot_chunk_outstanding = false;
            send_snapshot_chunk(message.from);
        }
    } else if (progress.state == Progress::State::probe) {
        // A probe or its answer may have been lost: probe again.
        progress.probe_again();
        send_append(message.from, true);
    } else if (progress.match_index < m_log->last_index()) {
        if (progress.paused(m_config.inflight_messages_max)) {
            // An answer was lost; free a slot so replication resumes.
            progress.free_oldest_inflight();
        }
        if (progress.next_index <= m_log->last_index()) {
            send_append(message.from, false);
        } else if (progress.ticks_since_progress >= 2 * m_config.heartbeat_ticks) {
            // Everything was sent but nothing acknowledged for two heartbeats:
            // an append was lost. Resend from the first unacknowledged entry.
            // (Resending on every heartbeat instead doubles the messages per
            // entry whenever an answer is merely in flight.)
            progress.become_probe(next(progress.match_index));
            send_append(message.from, true);
        }
    }
    confirm_reads(message.from, message.read_round);
}

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
    Progress& progress = m_tracker.at(to);
    if (progress.paused(m_config.inflight_messages_max)) {
        return;
    }
    Index prev_index = previous(progress.next_index);
    std::optional<Term> prev_term = m_log->term(prev_index);
    if (!prev_term.has_value()) {
        // The entries it needs were compacted: send the snapshot instead.
        RE_ASSERT(m_snapshot.has_value());
        progress.become_snapshot(m_snapshot->metadata.index);
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
    progress.sent_append(entries.empty() ? std::nullopt
                                         : std::optional<Index>(entries.back().index));
    append.entries = std::move(entries);
    send(std::move(append));
}

void RaftNode::send_heartbeat(NodeId to, std::uint64_t read_round)
{
    const Progress& progress = m_tracker.at(to);
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
    const Progress& progress = m_tracker.at(to);
    Index before;
    do {
        before = progress.next_index;
        send_append(to, false);
    } while (progress.next_index > before && progress.state == Progress::State::replicate);
}

void RaftNode::broadcast_append()
{
    for (const auto& [member, progress] : m_tracker.all()) {
        if (member != m_config.id) {
            send_append(member, true);
        }
    }
}

void RaftNode::broadcast_heartbeat(std::uint64_t read_round)
{
    for (const auto& [member, progress] : m_tracker.all()) {
        if (member != m_config.id) {
            send_heartbeat(member, read_round);
        }
    }
}

bool RaftNode::maybe_commit()
{
    Index candidate = m_tracker.quorum_match(m_conf.voters);
    if (candidate <= m_log->committed()) {
        return false;
    }
    // Raft §5.4.2 (Figure 8): only entries of the current term are committed
    // by counting replicas; earlier ones are committed indirectly.
    std::optional<Term> candidate_term = m_log->term(candidate);
    RE_ASSERT(candidate_term.has_value());
    if (*candidate_term != m_term && !RE_MUTANT(m_config, commit_old_term_by_count)) {
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

util::Status RaftNode::proposal_refusal() const
{
    if (m_role != Role::leader) {
        return util::make_error(util::ErrorCode::rejected,
                                "not the leader; the leader is " + std::to_string(m_leader.value));
    }
    if (m_transfer_target != k_no_node) {
        return util::make_error(util::ErrorCode::unavailable, "leadership transfer in progress");
    }
    return util::Ok{};
}

util::Result<LogPosition> RaftNode::propose(std::string data)
{
    using util::ErrorCode;
    using util::make_error;
    if (util::Status refusal = proposal_refusal(); !refusal.ok()) {
        return refusal.error();
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

} // namespace raftescort::raft
