// The hand-over to the runtime: collecting a Ready, taking it back as done
// (advance), and the invariants checked after every input.

#include <raftescort/raft/raft_node.hpp>

#include "raft/mutants.hpp"
#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::raft {

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
    return m_log->applying() < apply_limit();
}

Index RaftNode::apply_limit() const
{
    // The deliberate bug (f) hands out entries that are not yet committed.
    return RE_MUTANT(m_config, apply_before_commit) ? m_log->last_index() : m_log->committed();
}

Ready RaftNode::ready()
{
    if (m_append_pending) {
        m_append_pending = false;
        if (m_role == Role::leader) {
            for (const auto& [member, progress] : m_tracker.all()) {
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
    ready.committed_entries = m_log->entries_to_apply(apply_limit());
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
        Progress& self = m_tracker.at(m_config.id);
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

void RaftNode::check_invariants() const
{
    // Indexes are ordered: applied <= applying <= commit <= last (the
    // deliberate bug (f) applies ahead of commit).
    RE_ASSERT(m_log->applied() <= m_log->applying());
    if (!RE_MUTANT(m_config, apply_before_commit)) {
        RE_ASSERT(m_log->applying() <= m_log->committed());
    }
    RE_ASSERT(m_log->committed() <= m_log->last_index());
    RE_ASSERT(m_log->snapshot_index() <= m_log->applied());
    RE_ASSERT(m_log->stable() <= m_log->last_index());
    // A leader or candidate has voted for itself in its term.
    // (The deliberate bug (e) lets a leader vote for another candidate.)
    if ((m_role == Role::leader || m_role == Role::candidate)
        && !RE_MUTANT(m_config, leader_ignores_higher_term)) {
        RE_ASSERT(m_voted_for == m_config.id);
    }
    if (m_role == Role::leader) {
        RE_ASSERT(m_leader == m_config.id);
    } else {
        RE_ASSERT(m_tracker.empty());
    }
    // The last entry's term never exceeds the node's term.
    RE_ASSERT(m_log->last_term() <= m_term);
}

} // namespace raftescort::raft
