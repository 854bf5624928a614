#include "sim/checker.hpp"

#include "sim/sim_hash.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace raftescort::sim {

namespace {

std::string n(raft::NodeId node) { return "n" + std::to_string(node.value); }

std::string point(escort::Point p)
{
    return "(" + std::to_string(p.x) + "," + std::to_string(p.y) + ")";
}

std::string at(raft::Term term, raft::Index index)
{
    return " (term " + std::to_string(term.value) + ", index " + std::to_string(index.value) + ")";
}

std::int64_t manhattan(escort::Point a, escort::Point b)
{
    return std::llabs(a.x - b.x) + std::llabs(a.y - b.y);
}

} // namespace

std::size_t
Checker::IndexTermHash::operator()(const std::pair<std::uint64_t, std::uint64_t>& key) const
{
    return static_cast<std::size_t>(hash_combine(key.first, key.second));
}

void Checker::fail(const std::string& message)
{
    if (m_failure.empty()) {
        m_failure = message;
    }
}

Checker::NodeTrack& Checker::track(raft::NodeId node) { return m_nodes[node]; }

const AppliedRecord* Checker::applied(raft::Index index) const
{
    if (index.value >= m_applied.size() || !m_applied[index.value].known) {
        return nullptr;
    }
    return &m_applied[index.value];
}

const AppliedRecord* Checker::applied_or_fail(raft::Index index, raft::NodeId node,
                                              const char* what)
{
    if (index.value == 0) {
        return &m_applied[0];
    }
    const AppliedRecord* record = applied(index);
    if (record == nullptr) {
        // A snapshot is only ever taken of applied state, so some node applied its index.
        fail(std::string("snapshot provenance: ") + n(node) + " holds a " + what + " at index "
             + std::to_string(index.value) + " that no node applied");
    }
    return record;
}

std::optional<raft::Index> Checker::move_index(const std::string& client_id,
                                               std::uint64_t sequence) const
{
    auto found = m_moves.find({client_id, sequence});
    if (found == m_moves.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::optional<raft::Index> Checker::timing_index(const std::string& client_id,
                                                 std::uint64_t sequence) const
{
    auto found = m_timings.find({client_id, sequence});
    if (found == m_timings.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::optional<raft::NodeId> Checker::leader_of(raft::Term term) const
{
    auto found = m_leaders.find(term);
    if (found == m_leaders.end()) {
        return std::nullopt;
    }
    return found->second;
}

void Checker::on_start(raft::NodeId node, const DurableState& durable, const raft::RaftNode& raft,
                       const escort::Escort& escort)
{
    ++m_checks;
    NodeTrack& t = track(node);
    t.live = true;
    // Invariant 6: a restart never takes a node below a term it has shown to others.
    if (raft.term() < t.term_exposed) {
        fail("term monotonic: " + n(node) + " restarted at term "
             + std::to_string(raft.term().value) + " after sending messages of term "
             + std::to_string(t.term_exposed.value));
    }
    // Invariant 7: what is durable must be self-consistent; a commit index past the
    // durable log means acknowledged entries were not durable.
    if (durable.hard_state.commit > durable.last_index()) {
        fail("durability: " + n(node) + " restarted with commit "
             + std::to_string(durable.hard_state.commit.value) + " beyond its durable log end "
             + std::to_string(durable.last_index().value));
        return;
    }
    const raft::Index base = durable.snapshot_index();
    const AppliedRecord* base_record = applied_or_fail(base, node, "durable snapshot");
    if (base_record == nullptr) {
        return;
    }
    t.mirror.reset(base, durable.snapshot ? durable.snapshot->metadata.term : raft::Term{0},
                   base_record->chain);
    for (const raft::Entry& entry : durable.entries) {
        const std::uint64_t chain = t.mirror.append(entry);
        check_log_matching(node, entry.index, entry.term, chain);
    }
    if (base.value > 0 && escort.state_hash() != base_record->state_hash) {
        fail("state machine safety: " + n(node) + " restarted from a snapshot whose state differs"
             + at(base_record->term, base));
    }
    t.role = raft.role();
    t.role_term = raft.term();
    t.term_seen = raft.term();
    t.commit_seen = raft.commit_index();
    t.last_applied = escort.last_applied_index();
    t.lead = escort.lead_point();
    t.at_target = false;
}

void Checker::on_crash(raft::NodeId node)
{
    NodeTrack& t = track(node);
    t.live = false;
    t.role = raft::Role::follower;
    // The core that held these reads is gone; none of them can be answered.
    std::erase_if(m_reads, [node](const auto& read) { return read.second.node == node; });
}

void Checker::on_persist(raft::NodeId node, const raft::RaftNode& raft, const raft::Ready& ready)
{
    ++m_checks;
    NodeTrack& t = track(node);
    if (ready.snapshot) {
        mirror_snapshot(node, t, *ready.snapshot);
    }
    if (!ready.entries.empty()) {
        mirror_entries(node, t, raft, ready.entries);
    }
    if (ready.hard_state && ready.hard_state->commit > t.mirror.last()) {
        fail("commit beyond log: " + n(node) + " persisted commit "
             + std::to_string(ready.hard_state->commit.value) + " with its log ending at "
             + std::to_string(t.mirror.last().value));
    }
}

void Checker::mirror_snapshot(raft::NodeId node, NodeTrack& t, const raft::Snapshot& snapshot)
{
    const raft::Index index = snapshot.metadata.index;
    const AppliedRecord* record = applied_or_fail(index, node, "received snapshot");
    if (record == nullptr) {
        return;
    }
    if (record->term != snapshot.metadata.term) {
        fail("state machine safety: " + n(node) + " got a snapshot of term "
             + std::to_string(snapshot.metadata.term.value) + " where term "
             + std::to_string(record->term.value) + " was applied"
             + at(snapshot.metadata.term, index));
        return;
    }
    if (index <= t.mirror.base()) {
        return;
    }
    // Same rule as SimStorage: a matching entry at the snapshot index keeps the suffix.
    const std::optional<std::uint64_t> chain = t.mirror.chain_at(index);
    if (chain && t.mirror.term_at(index) == snapshot.metadata.term) {
        if (*chain != record->chain) {
            fail("log matching: " + n(node) + " log differs from the snapshot it received"
                 + at(snapshot.metadata.term, index));
        }
        t.mirror.compact(index);
        return;
    }
    t.mirror.reset(index, snapshot.metadata.term, record->chain);
}

void Checker::mirror_entries(raft::NodeId node, NodeTrack& t, const raft::RaftNode& raft,
                             const std::vector<raft::Entry>& entries)
{
    const raft::Entry& first = entries.front();
    // Leader Append-Only (Figure 3): a leader never overwrites its own log.
    const bool leader_throughout = t.role == raft::Role::leader && raft.role() == raft::Role::leader
                                   && t.role_term == raft.term();
    if (leader_throughout && first.index <= t.mirror.last()) {
        fail("leader append-only: leader " + n(node) + " overwrote its log from index "
             + std::to_string(first.index.value) + " in term " + std::to_string(raft.term().value));
        return;
    }
    for (const raft::Entry& entry : entries) {
        if (entry.index <= t.mirror.base()) {
            continue;
        }
        if (entry.index > raft::next(t.mirror.last())) {
            fail("log contiguity: " + n(node) + " persisted index "
                 + std::to_string(entry.index.value) + " after a log ending at "
                 + std::to_string(t.mirror.last().value));
            return;
        }
        // Committed entries never change (invariant 7): an overwrite of a
        // different entry at or below the node's own commit index is a bug.
        const std::optional<raft::Term> old_term = t.mirror.term_at(entry.index);
        if (old_term && *old_term != entry.term && entry.index <= t.commit_seen) {
            fail("committed prefix changed: " + n(node) + " overwrote committed index "
                 + std::to_string(entry.index.value) + " (term " + std::to_string(old_term->value)
                 + " -> " + std::to_string(entry.term.value) + ")");
            return;
        }
        const std::uint64_t chain = t.mirror.append(entry);
        check_log_matching(node, entry.index, entry.term, chain);
    }
}

void Checker::check_log_matching(raft::NodeId node, raft::Index index, raft::Term term,
                                 std::uint64_t chain)
{
    // Log Matching (§5.3): equal (index, term) means equal logs up to index.
    auto [slot, inserted] = m_chains.try_emplace({index.value, term.value}, chain);
    if (!inserted && slot->second != chain) {
        fail("log matching: " + n(node) + " holds an entry whose prefix differs from another node's"
             + at(term, index));
    }
}

void Checker::on_send(raft::NodeId node, const std::vector<raft::Message>& messages)
{
    NodeTrack& t = track(node);
    for (const raft::Message& message : messages) {
        // Pre-vote messages carry a term the sender has not entered (§9.6).
        const bool pre_vote = message.type == raft::MessageType::pre_vote
                              || message.type == raft::MessageType::pre_vote_response;
        if (!pre_vote && message.term > t.term_exposed) {
            t.term_exposed = message.term;
        }
        if (message.type == raft::MessageType::vote) {
            record_vote(node, t, message.term, node);
        } else if (message.type == raft::MessageType::vote_response && !message.reject) {
            record_vote(node, t, message.term, message.to);
        }
    }
}

void Checker::record_vote(raft::NodeId node, NodeTrack& t, raft::Term term, raft::NodeId candidate)
{
    // §5.2: each server votes for at most one candidate in a term, across restarts.
    if (term == t.vote_term && t.vote_for != raft::k_no_node && t.vote_for != candidate) {
        fail("vote uniqueness: " + n(node) + " voted for " + n(t.vote_for) + " and " + n(candidate)
             + " in term " + std::to_string(term.value));
        return;
    }
    if (term >= t.vote_term) {
        t.vote_term = term;
        t.vote_for = candidate;
    }
}

void Checker::on_install_snapshot(raft::NodeId node, const raft::Snapshot& snapshot,
                                  const escort::Escort& escort)
{
    ++m_checks;
    NodeTrack& t = track(node);
    const raft::Index index = snapshot.metadata.index;
    const AppliedRecord* record = applied_or_fail(index, node, "installed snapshot");
    if (record == nullptr) {
        return;
    }
    if (index <= t.last_applied) {
        fail("state machine safety: " + n(node) + " installed a snapshot at index "
             + std::to_string(index.value) + " after applying up to "
             + std::to_string(t.last_applied.value));
        return;
    }
    if (escort.state_hash() != record->state_hash) {
        fail("state machine safety: " + n(node) + " installed a snapshot whose escort state differs"
             + at(record->term, index));
        return;
    }
    t.last_applied = index;
    t.lead = escort.lead_point();
    t.at_target = false;
}

bool Checker::before_apply(raft::NodeId node, const raft::RaftNode& raft, const raft::Entry& entry)
{
    ++m_checks;
    NodeTrack& t = track(node);
    // Invariant 7: lastApplied <= commitIndex; only committed entries reach the application.
    if (entry.index > raft.commit_index()) {
        fail("apply before commit: " + n(node) + " applied index "
             + std::to_string(entry.index.value) + " with commit index "
             + std::to_string(raft.commit_index().value));
        return false;
    }
    // 6.824's applier: apply i only right after i-1.
    if (entry.index != raft::next(t.last_applied)) {
        fail("apply order: " + n(node) + " applied index " + std::to_string(entry.index.value)
             + " after " + std::to_string(t.last_applied.value));
        return false;
    }
    return true;
}

void Checker::on_apply(raft::NodeId node, const raft::Entry& entry,
                       const escort::ApplyResult& result, const escort::Escort& escort)
{
    NodeTrack& t = track(node);
    check_apply_record(node, t, entry, escort);
    if (failed()) {
        return;
    }
    check_continuity(node, t, entry, result, escort);
    t.last_applied = entry.index;
}

void Checker::check_apply_record(raft::NodeId node, NodeTrack& t, const raft::Entry& entry,
                                 const escort::Escort& escort)
{
    const std::optional<std::uint64_t> chain = t.mirror.chain_at(entry.index);
    if (!chain || t.mirror.term_at(entry.index) != entry.term) {
        fail("apply from log: " + n(node) + " applied an entry its stored log does not hold"
             + at(entry.term, entry.index));
        return;
    }
    const std::uint64_t hash = entry_hash(entry);
    const std::uint64_t state = escort.state_hash();
    if (entry.index.value >= m_applied.size()) {
        RE_ASSERT(entry.index.value == m_applied.size());
        AppliedRecord record;
        record.known = true;
        record.term = entry.term;
        record.type = entry.type;
        record.data = entry.data;
        record.entry_hash = hash;
        record.chain = *chain;
        record.state_hash = state;
        record.first_node = node;
        m_applied.push_back(std::move(record));
        return;
    }
    // State Machine Safety (Figure 3): every node applies the same entry at an index.
    const AppliedRecord& record = m_applied[entry.index.value];
    if (record.entry_hash != hash || record.chain != *chain) {
        fail("state machine safety: " + n(node) + " applied term "
             + std::to_string(entry.term.value) + " where " + n(record.first_node)
             + " applied term " + std::to_string(record.term.value) + at(entry.term, entry.index));
        return;
    }
    if (record.state_hash != state) {
        fail("state machine safety: escort state of " + n(node) + " differs from "
             + n(record.first_node) + "'s after the same entry" + at(entry.term, entry.index));
    }
}

void Checker::check_continuity(raft::NodeId node, NodeTrack& t, const raft::Entry& entry,
                               const escort::ApplyResult& result, const escort::Escort& escort)
{
    using Kind = escort::ApplyResult::Kind;
    const std::string where = " on " + n(node) + at(entry.term, entry.index);
    if (result.lead_before != t.lead || escort.lead_point() != result.lead_after) {
        fail("escort continuity: lead point jumped from " + point(t.lead) + " to "
             + point(result.lead_before) + where);
        return;
    }
    escort::Command command;
    if (entry.type == raft::EntryType::normal) {
        auto decoded = escort::decode_command(entry.data);
        if (decoded.ok()) {
            command = decoded.value();
        }
    }
    const escort::Point before = result.lead_before;
    const escort::Point after = result.lead_after;
    if (result.kind == Kind::stepped) {
        // A step is one unit along one axis, toward the mission target.
        const escort::Point target = escort.mission().target;
        if (manhattan(before, after) != 1 || manhattan(after, target) >= manhattan(before, target)
            || command.kind != escort::CommandKind::step || command.from != before) {
            fail("escort continuity: step from " + point(before) + " to " + point(after) + where);
            return;
        }
        t.at_target = after == target;
    } else if (result.kind == Kind::moved) {
        if (command.kind != escort::CommandKind::move || after.x - before.x != command.dx
            || after.y - before.y != command.dy) {
            fail("escort continuity: move of (" + std::to_string(command.dx) + ","
                 + std::to_string(command.dy) + ") took the lead from " + point(before) + " to "
                 + point(after) + where);
            return;
        }
        t.at_target = false;
        // Exactly once: a (client, sequence) moves the convoy at one index only.
        if (!command.client_id.empty()) {
            auto [slot, inserted] =
                m_moves.try_emplace({command.client_id, command.sequence}, entry.index);
            if (!inserted && slot->second != entry.index) {
                fail("exactly once: move (" + command.client_id + ", "
                     + std::to_string(command.sequence) + ") applied at index "
                     + std::to_string(slot->second.value) + " and again" + where);
                return;
            }
        }
    } else if (before != after) {
        fail("escort continuity: a non-moving entry moved the lead from " + point(before) + " to "
             + point(after) + where);
        return;
    }
    if (result.kind == Kind::mission_set) {
        t.at_target = false;
    }
    if (result.kind == Kind::timing_set && !command.client_id.empty()) {
        m_timings.try_emplace({command.client_id, command.sequence}, entry.index);
    }
    // After the mission completes the lead stays on the target until a move.
    if (t.at_target && after != escort.mission().target) {
        fail("escort continuity: lead left the completed mission's target" + where);
        return;
    }
    t.lead = after;
}

void Checker::on_compact(raft::NodeId node, raft::Index index)
{
    NodeTrack& t = track(node);
    if (index > t.mirror.base() && index <= t.mirror.last()) {
        t.mirror.compact(index);
    }
}

void Checker::on_delivered(raft::NodeId node, const raft::RaftNode& raft,
                           const raft::Message& message)
{
    // Figure 2, all servers: a message with a higher term makes the receiver
    // adopt it (and a leader step down, §5.1). Exempt: pre-vote requests and
    // granted pre-vote answers, whose term is only a proposal (§9.6), and vote
    // requests, which a node refuses without a term change while it hears a
    // live leader (§6, check-quorum).
    const bool exempt =
        message.type == raft::MessageType::pre_vote || message.type == raft::MessageType::vote
        || (message.type == raft::MessageType::pre_vote_response && !message.reject);
    if (!exempt && message.term > raft.term()) {
        fail("term adoption: " + n(node) + " stayed in term " + std::to_string(raft.term().value)
             + " as " + raft::role_name(raft.role()) + " after a "
             + raft::message_type_name(message.type) + " of term "
             + std::to_string(message.term.value) + " from " + n(message.from));
    }
}

void Checker::after_event(raft::NodeId node, const raft::RaftNode& raft)
{
    ++m_checks;
    NodeTrack& t = track(node);
    if (!t.live) {
        return;
    }
    const raft::Term term = raft.term();
    // Invariant 6: currentTerm never decreases.
    if (term < t.term_seen) {
        fail("term monotonic: " + n(node) + " went from term " + std::to_string(t.term_seen.value)
             + " to " + std::to_string(term.value));
        return;
    }
    t.term_seen = term;
    // Invariant 7: the commit index never decreases on a live node.
    const raft::Index commit = raft.commit_index();
    if (commit < t.commit_seen) {
        fail("commit monotonic: " + n(node) + " commit went from "
             + std::to_string(t.commit_seen.value) + " to " + std::to_string(commit.value));
        return;
    }
    // Raft §5.4.2 (Figure 8): a leader advances its commit index only onto an
    // entry of its own term; older entries are committed indirectly.
    const bool leading_before = t.role == raft::Role::leader && t.role_term == term;
    if (leading_before && raft.role() == raft::Role::leader && commit > t.commit_seen
        && raft.term_at(commit) != term) {
        fail("leader commit rule: leader " + n(node) + " of term " + std::to_string(term.value)
             + " advanced its commit to index " + std::to_string(commit.value) + " of term "
             + std::to_string(raft.term_at(commit).value_or(raft::Term{0}).value));
        return;
    }
    t.commit_seen = commit;
    if (commit > raft.last_index()) {
        fail("commit beyond log: " + n(node) + " commit " + std::to_string(commit.value)
             + " past its last index " + std::to_string(raft.last_index().value));
        return;
    }
    if (raft.role() == raft::Role::leader) {
        // Only a leader advances the commit index first; remember its term.
        while (m_commit_terms.size() <= commit.value) {
            m_commit_terms.push_back(term);
        }
        check_leader(node, t, raft);
    }
    t.role = raft.role();
    t.role_term = term;
}

void Checker::check_leader(raft::NodeId node, NodeTrack& t, const raft::RaftNode& raft)
{
    const raft::Term term = raft.term();
    // Election Safety (Figure 3): at most one leader per term, over the whole run.
    auto [slot, inserted] = m_leaders.try_emplace(term, node);
    if (!inserted && slot->second != node) {
        fail("election safety: " + n(slot->second) + " and " + n(node) + " both led term "
             + std::to_string(term.value));
        return;
    }
    const bool continuing = t.role == raft::Role::leader && t.role_term == term;
    if (!continuing) {
        check_leader_completeness(node, t, term);
    } else if (raft.last_index() < t.leader_last_index
               || (raft.term_at(t.leader_last_index)
                   && *raft.term_at(t.leader_last_index) != t.leader_last_term)) {
        // Leader Append-Only (Figure 3), seen from the in-memory log.
        fail("leader append-only: leader " + n(node) + " lost or changed index "
             + std::to_string(t.leader_last_index.value) + " in term "
             + std::to_string(term.value));
        return;
    }
    t.leader_last_index = raft.last_index();
    t.leader_last_term = raft.term_at(t.leader_last_index).value_or(raft::Term{0});
}

void Checker::check_leader_completeness(raft::NodeId node, const NodeTrack& t, raft::Term term)
{
    // Leader Completeness (Figure 3): a leader holds every entry committed in
    // an earlier term. A leader elected late in a stale term need not hold
    // entries committed in later terms, so find the last applied index
    // committed before `term`; its chain hash covers the whole prefix.
    raft::Index top = max_applied();
    while (top.value > 0
           && (top.value >= m_commit_terms.size() || m_commit_terms[top.value] >= term)) {
        top = raft::previous(top);
    }
    if (top.value == 0) {
        return;
    }
    if (top < t.mirror.base()) {
        // Covered by the leader's snapshot; compare the snapshot point instead.
        top = t.mirror.base();
    }
    const AppliedRecord& record = m_applied[top.value];
    const std::optional<std::uint64_t> chain = t.mirror.chain_at(top);
    if (!chain) {
        fail("leader completeness: leader " + n(node) + " of term " + std::to_string(term.value)
             + " lacks committed index " + std::to_string(top.value) + " (its log ends at "
             + std::to_string(t.mirror.last().value) + ")");
        return;
    }
    if (*chain != record.chain) {
        fail("leader completeness: leader " + n(node) + " of term " + std::to_string(term.value)
             + " holds a log that differs from the committed one up to index "
             + std::to_string(top.value));
    }
}

void Checker::on_write_acked(raft::Index index) { m_acked_max = std::max(m_acked_max, index); }

void Checker::on_read_index(raft::NodeId node, const raft::RaftNode& raft, std::uint64_t request_id)
{
    ++m_checks;
    const raft::Term term = raft.term();
    // Only a leader may take a read (§8); and the one this run saw lead the term.
    if (raft.role() != raft::Role::leader || leader_of(term) != node) {
        fail("linearizable read: " + n(node) + " took read " + std::to_string(request_id)
             + " in term " + std::to_string(term.value) + " without leading it");
        return;
    }
    ReadTrack read;
    read.node = node;
    read.term = term;
    read.acked_floor = m_acked_max;
    read.served_floor = m_served_max;
    const bool inserted = m_reads.try_emplace(request_id, read).second;
    RE_ASSERT(inserted); // Request ids are unique in a run.
}

void Checker::on_read_state(raft::NodeId node, const raft::RaftNode& raft,
                            const raft::ReadState& read_state)
{
    ++m_checks;
    const std::string what = "linearizable read: " + n(node) + " read "
                             + std::to_string(read_state.request_id) + " at index "
                             + std::to_string(read_state.index.value);
    auto found = m_reads.find(read_state.request_id);
    if (found == m_reads.end() || found->second.node != node || found->second.confirmed) {
        fail(what + " confirmed a read it has no open request for");
        return;
    }
    ReadTrack& read = found->second;
    // The core drops pending reads when it leaves the term (§8): a read
    // confirmed in another term was confirmed by a quorum of the wrong leader.
    if (raft.term() != read.term) {
        fail(what + " confirmed in term " + std::to_string(raft.term().value)
             + " though taken as leader of term " + std::to_string(read.term.value));
        return;
    }
    // Linearizability: every write acknowledged before the read began is visible.
    if (read_state.index < read.acked_floor) {
        fail(what + " is below index " + std::to_string(read.acked_floor.value)
             + " of a write acknowledged before the read began (term "
             + std::to_string(read.term.value) + ")");
        return;
    }
    // ...and so is every state an earlier completed read returned.
    if (read_state.index < read.served_floor) {
        fail(what + " is below index " + std::to_string(read.served_floor.value)
             + " that a read answered before this one began (term "
             + std::to_string(read.term.value) + ")");
        return;
    }
    // The read index is the leader's commit index, never more.
    if (read_state.index > raft.commit_index()) {
        fail(what + " is past the node's commit index "
             + std::to_string(raft.commit_index().value));
        return;
    }
    read.confirmed = true;
    read.read_index = read_state.index;
}

void Checker::on_read_served(raft::NodeId node, const ServedRead& served)
{
    ++m_checks;
    const std::string what = "linearizable read: " + n(node) + " answered read "
                             + std::to_string(served.request_id) + " at applied index "
                             + std::to_string(served.applied.value);
    auto found = m_reads.find(served.request_id);
    if (found == m_reads.end() || found->second.node != node || !found->second.confirmed) {
        fail(what + " without a confirmed read index");
        return;
    }
    const raft::Index read_index = found->second.read_index;
    m_reads.erase(found);
    if (served.applied < read_index) {
        fail(what + " before applying its read index " + std::to_string(read_index.value));
        return;
    }
    // The answer is a committed state: exactly the one every node had after that index.
    const AppliedRecord* record = served.applied.value == 0 ? nullptr : applied(served.applied);
    if (record == nullptr || record->state_hash != served.state_hash) {
        fail(what + " returned a state no node had after applying that index");
        return;
    }
    m_served_max = std::max(m_served_max, served.applied);
}

} // namespace raftescort::sim
