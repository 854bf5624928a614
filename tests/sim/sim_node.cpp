#include "sim/sim_node.hpp"

#include "sim/sim_hash.hpp"

#include <raftescort/util/assert.hpp>

#include <utility>

namespace raftescort::sim {

namespace {

/// Readies handled per event at most; the core settles in a few rounds.
constexpr int k_ready_rounds_max = 64;
/// Confirmed reads a node may hold unanswered; clients have one request each.
constexpr std::size_t k_waiting_reads_max = 1024;

} // namespace

void SimNode::CoreLogger::log(util::LogLevel level, std::string_view message)
{
    m_node.m_listener.on_core_log(m_node.id(), level, message);
}

SimNode::SimNode(NodeSetup setup, SimNetwork& network, Checker& checker, NodeListener& listener,
                 const std::uint64_t& now, bool core_logging)
    : m_setup(std::move(setup)), m_network(network), m_checker(checker), m_listener(listener),
      m_now(now), m_core_logger(*this), m_core_logging(core_logging),
      m_storage(m_setup.initial_conf)
{
    RE_ASSERT(m_setup.id != raft::k_no_node);
}

raft::RaftNode& SimNode::raft()
{
    RE_ASSERT(live());
    return *m_raft;
}

const raft::RaftNode& SimNode::raft() const
{
    RE_ASSERT(live());
    return *m_raft;
}

const escort::Escort& SimNode::escort() const
{
    RE_ASSERT(m_escort != nullptr);
    return *m_escort;
}

void SimNode::start()
{
    RE_ASSERT(!live());
    RE_ASSERT(!m_stopped);
    const DurableState& durable = m_storage.durable();
    // The core rightly refuses a commit index past its log; report it as the
    // durability failure it is instead of letting the core abort the run.
    if (durable.hard_state.commit > durable.last_index()) {
        m_checker.fail("durability: n" + std::to_string(id().value) + " restarted with commit "
                       + std::to_string(durable.hard_state.commit.value)
                       + " beyond its durable log end "
                       + std::to_string(durable.last_index().value));
        return;
    }
    if (durable.snapshot) {
        auto restored = escort::Escort::deserialize(durable.snapshot->data);
        if (!restored.ok()) {
            m_checker.fail("snapshot decode: n" + std::to_string(id().value) + ": "
                           + restored.error().message);
            return;
        }
        m_escort = std::make_unique<escort::Escort>(std::move(restored.value()));
    } else {
        // As in the runtime: the founding roster arrives with the bootstrap
        // membership entries of the log, on founders and late joiners alike.
        m_escort = std::make_unique<escort::Escort>();
    }
    raft::Config config;
    config.id = id();
    config.election_ticks = m_setup.election_ticks;
    config.heartbeat_ticks = m_setup.heartbeat_ticks;
    config.entries_per_message_max = m_setup.entries_per_message_max;
    // A new jitter stream per incarnation, still fixed by the run seed.
    config.seed = derive_seed(m_setup.run_seed, hash_combine(id().value, m_incarnation));
    config.pre_vote = m_setup.pre_vote;
    config.check_quorum = m_setup.check_quorum;
    config.mutations = m_setup.mutations.core;
    config.logger = m_core_logging ? &m_core_logger : nullptr;
    m_raft = std::make_unique<raft::RaftNode>(
        config, m_storage.load(m_setup.mutations.forget_voted_for_on_restart));
    ++m_incarnation;
    follow_timing();
    m_paused = false;
    m_last_compacted = durable.snapshot_index();
    m_waiting_reads.clear();
    pending_step.reset();
    m_checker.on_start(id(), durable, *m_raft, *m_escort);
    // The core hands committed entries after `applied` out again to apply.
    process_ready();
}

void SimNode::crash(util::Rng* torn_rng)
{
    m_storage.crash(torn_rng);
    m_raft.reset();
    m_escort.reset();
    m_paused = false;
    m_crash_pending = false;
    m_crash_torn_rng = nullptr;
    // Reads die with the process that held them; their clients time out.
    m_waiting_reads.clear();
    pending_step.reset();
    m_checker.on_crash(id());
}

void SimNode::crash_during_next_write(util::Rng* torn_rng)
{
    RE_ASSERT(live());
    m_crash_pending = true;
    m_crash_torn_rng = torn_rng;
}

void SimNode::stop()
{
    if (live()) {
        crash(nullptr);
    }
    m_stopped = true;
}

void SimNode::tick()
{
    if (!active()) {
        return;
    }
    m_raft->tick();
    process_ready();
}

void SimNode::step(const raft::Message& message)
{
    if (!active()) {
        return;
    }
    m_raft->step(message);
    process_ready();
}

util::Result<raft::LogPosition> SimNode::propose(std::string data)
{
    RE_ASSERT(active());
    auto position = m_raft->propose(std::move(data));
    process_ready();
    return position;
}

util::Result<raft::LogPosition> SimNode::propose_conf_change(const raft::ConfChange& change)
{
    RE_ASSERT(active());
    auto position = m_raft->propose_conf_change(change);
    process_ready();
    return position;
}

util::Status SimNode::read_index(std::uint64_t request_id)
{
    RE_ASSERT(active());
    util::Status status = m_raft->read_index(request_id);
    if (status.ok()) {
        // Registered before the Ready: a lone voter answers inside this call.
        m_checker.on_read_index(id(), *m_raft, request_id);
    }
    process_ready();
    return status;
}

util::Status SimNode::transfer_leadership(raft::NodeId target)
{
    RE_ASSERT(active());
    util::Status status = m_raft->transfer_leadership(target);
    process_ready();
    return status;
}

void SimNode::leader_gone(raft::NodeId leader)
{
    RE_ASSERT(active());
    m_raft->leader_gone(leader);
    process_ready();
}

void SimNode::set_protocol(bool pre_vote, bool check_quorum)
{
    RE_ASSERT(active());
    m_raft->set_protocol(pre_vote, check_quorum);
    RE_ASSERT(m_raft->pre_vote() == pre_vote);
    RE_ASSERT(m_raft->check_quorum() == check_quorum);
    process_ready();
}

void SimNode::process_ready()
{
    // After a failed check nothing more is carried out: the check may have
    // stopped apply() midway, and advancing would then tell the core that
    // entries the escort never saw are applied, which trips the core's
    // compaction assert and hides the failure message behind an abort.
    for (int round = 0;
         round < k_ready_rounds_max && live() && !m_checker.failed() && m_raft->has_ready();
         ++round) {
        raft::Ready ready = m_raft->ready();
        if (ready.soft_state) {
            m_listener.on_role_change(id(), *ready.soft_state);
        }
        if (m_setup.mutations.ack_before_persist) {
            // Mutant (d): the previous Ready's entries reach the disk only now.
            m_storage.sync();
        }
        // 0. A leader's appends leave before its own write (ready.hpp), so a
        // crash below may lose entries that followers already hold.
        m_checker.on_send(id(), ready.early_messages);
        for (const raft::Message& message : ready.early_messages) {
            m_network.send(message, m_now);
        }
        // 1. Persist snapshot, entries, hard state; then fsync.
        persist(ready);
        m_checker.on_persist(id(), *m_raft, ready);
        const bool wrote = ready.snapshot || !ready.entries.empty() || ready.hard_state;
        if (m_crash_pending && wrote) {
            // Killed between write() and fsync(): nothing below happens.
            crash(m_crash_torn_rng);
            return;
        }
        if (m_setup.mutations.ack_before_persist) {
            m_storage.sync_except_entries();
        } else {
            m_storage.sync();
        }
        // 2. Only now send: votes and acks promise that step 1 is durable.
        m_checker.on_send(id(), ready.messages);
        for (const raft::Message& message : ready.messages) {
            m_network.send(message, m_now);
        }
        // 3. Install the snapshot, then apply committed entries in order.
        apply(ready);
        if (!live() || m_checker.failed()) {
            return;
        }
        serve_reads(ready);
        // 4. Hand the Ready back.
        m_raft->advance(ready);
        maybe_compact();
    }
}

void SimNode::persist(const raft::Ready& ready)
{
    if (ready.snapshot) {
        m_storage.write_snapshot(*ready.snapshot);
    }
    if (!ready.entries.empty()) {
        m_storage.write_entries(ready.entries);
    }
    if (ready.hard_state) {
        m_storage.write_hard_state(*ready.hard_state);
    }
}

void SimNode::apply(const raft::Ready& ready)
{
    if (ready.snapshot) {
        auto restored = escort::Escort::deserialize(ready.snapshot->data);
        if (!restored.ok()) {
            m_checker.fail("snapshot decode: n" + std::to_string(id().value) + ": "
                           + restored.error().message);
            return;
        }
        *m_escort = std::move(restored.value());
        follow_timing();
        m_last_compacted = std::max(m_last_compacted, ready.snapshot->metadata.index);
        m_checker.on_install_snapshot(id(), *ready.snapshot, *m_escort);
        m_listener.on_snapshot_installed(id(), *ready.snapshot);
    }
    for (const raft::Entry& entry : ready.committed_entries) {
        if (!m_checker.before_apply(id(), *m_raft, entry)) {
            return;
        }
        const escort::ApplyResult result = m_escort->apply(entry);
        if (result.kind == escort::ApplyResult::Kind::timing_set) {
            follow_timing();
        }
        m_checker.on_apply(id(), entry, result, *m_escort);
        m_listener.on_applied(id(), entry, result);
    }
}

void SimNode::follow_timing()
{
    const escort::Timing& timing = m_escort->timing();
    const auto ticks = [](std::int64_t ms) {
        return static_cast<std::uint32_t>(ms / k_sim_tick_ms);
    };
    const std::uint32_t heartbeat =
        timing.heartbeat_ms == 0 ? m_setup.heartbeat_ticks : ticks(timing.heartbeat_ms);
    const std::uint32_t election = timing.election_timeout_ms == 0
                                       ? m_setup.election_ticks
                                       : ticks(timing.election_timeout_ms);
    const util::Status changed = m_raft->set_timing(heartbeat, election);
    if (!changed.ok()) {
        m_checker.fail("timing: n" + std::to_string(id().value)
                       + " refused a committed timing: " + changed.error().message);
    }
    m_raft->set_protocol(escort::protocol_switch_in_force(timing.pre_vote, m_setup.pre_vote),
                         escort::protocol_switch_in_force(timing.check_quorum,
                                                          m_setup.check_quorum));
}

void SimNode::serve_reads(const raft::Ready& ready)
{
    for (const raft::ReadState& read_state : ready.read_states) {
        m_checker.on_read_state(id(), *m_raft, read_state);
        m_waiting_reads.push_back(read_state);
    }
    // One read in flight per client bounds the queue; a runaway one is a sim bug.
    RE_ASSERT(m_waiting_reads.size() <= k_waiting_reads_max);
    if (m_waiting_reads.empty()) {
        return;
    }
    const raft::Index applied = m_escort->last_applied_index();
    std::size_t kept = 0;
    for (const raft::ReadState& read_state : m_waiting_reads) {
        if (read_state.index > applied) {
            m_waiting_reads[kept++] = read_state;
            continue;
        }
        ServedRead served;
        served.request_id = read_state.request_id;
        served.read_index = read_state.index;
        served.applied = applied;
        served.lead = m_escort->lead_point();
        served.state_hash = m_escort->state_hash();
        RE_ASSERT(served.applied >= served.read_index);
        m_checker.on_read_served(id(), served);
        m_listener.on_read_served(id(), served);
    }
    m_waiting_reads.resize(kept);
}

void SimNode::maybe_compact()
{
    if (m_setup.snapshot_interval_entries == 0 || !live()) {
        return;
    }
    const raft::Index applied = m_escort->last_applied_index();
    if (applied.value < m_last_compacted.value + m_setup.snapshot_interval_entries) {
        return;
    }
    m_raft->compact(applied, m_escort->serialize());
    const std::optional<raft::Snapshot>& snapshot = m_raft->snapshot();
    RE_ASSERT(snapshot.has_value());
    RE_ASSERT(snapshot->metadata.index == applied);
    // Snapshot files are written, fsynced and renamed before the log is cut.
    m_storage.write_snapshot(*snapshot);
    if (m_setup.mutations.ack_before_persist) {
        m_storage.sync_except_entries();
    } else {
        m_storage.sync();
    }
    m_checker.on_compact(id(), applied);
    m_last_compacted = applied;
}

} // namespace raftescort::sim
