#include <raftescort/runtime/replica.hpp>

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <string>
#include <utility>

namespace raftescort::runtime {

namespace {

/// Readys carried out per process_ready call at most. The core settles in a
/// few rounds (a conf change applied may queue one more append); the bound
/// keeps one call from starving the caller's loop. Left-over work is picked
/// up by the next call, since has_ready() stays true.
constexpr std::uint64_t k_readies_per_call_max = 64;

std::string describe(const raft::SnapshotMetadata& metadata)
{
    return "snapshot " + std::to_string(metadata.index.value) + "-"
           + std::to_string(metadata.term.value);
}

/// True when storage holds nothing at all: only then may bootstrap_conf apply.
bool is_brand_new(const raft::PersistedState& persisted)
{
    return !persisted.snapshot.has_value() && persisted.entries.empty()
           && persisted.hard_state == raft::HardState{};
}

util::Result<escort::Escort> restore_escort(const ReplicaOptions& options,
                                            const raft::PersistedState& persisted)
{
    if (!persisted.snapshot.has_value()) {
        // The founding roster arrives through the bootstrap conf_change entries.
        return escort::Escort{};
    }
    const raft::Snapshot& snapshot = *persisted.snapshot;
    auto restored = escort::Escort::deserialize(snapshot.data);
    if (!restored.ok()) {
        return util::make_error(util::ErrorCode::corrupt,
                                "replica " + options.data_dir + ": " + describe(snapshot.metadata)
                                    + " does not decode: " + restored.error().message);
    }
    // The data must describe the state at the snapshot's index, or the core
    // would hand out (or skip) the wrong entries to apply after it.
    if (restored.value().last_applied_index() != snapshot.metadata.index) {
        return util::make_error(util::ErrorCode::corrupt,
                                "replica " + options.data_dir + ": " + describe(snapshot.metadata)
                                    + " holds escort state at index "
                                    + std::to_string(restored.value().last_applied_index().value));
    }
    return std::move(restored.value());
}

} // namespace

util::Result<std::unique_ptr<Replica>> Replica::open(const ReplicaOptions& options)
{
    if (util::Status valid = options.validate(); !valid.ok()) {
        return valid.error();
    }
    store::StorageOptions storage_options;
    storage_options.directory = options.data_dir;
    storage_options.segment_bytes_max = options.segment_bytes_max;
    auto opened = store::DiskStorage::open(storage_options,
                                           store::Identity{options.cluster_id, options.raft.id});
    if (!opened.ok()) {
        return util::make_error(opened.error().code,
                                "replica " + options.data_dir
                                    + ": storage refused to open: " + opened.error().message);
    }
    std::unique_ptr<store::DiskStorage> storage = std::move(opened.value());
    raft::PersistedState persisted = storage->recovered();
    RE_TRY(escort, restore_escort(options, persisted));
    RE_ASSERT(persisted.initial_conf.voters.empty());
    if (is_brand_new(persisted)) {
        persisted.initial_conf = options.bootstrap_conf;
    }
    return std::unique_ptr<Replica>(
        new Replica(options, std::move(storage), std::move(escort), std::move(persisted)));
}

Replica::Replica(const ReplicaOptions& options, std::unique_ptr<store::DiskStorage> storage,
                 escort::Escort escort, raft::PersistedState persisted)
    : m_snapshot_every_entries(options.snapshot_every_entries), m_storage(std::move(storage)),
      m_escort(std::move(escort))
{
    RE_ASSERT(m_storage != nullptr);
    if (persisted.snapshot.has_value()) {
        m_snapshot_index = persisted.snapshot->metadata.index;
    }
    // The escort reflects exactly the entries the core believes applied.
    RE_ASSERT(persisted.applied == m_escort.last_applied_index());
    m_raft = std::make_unique<raft::RaftNode>(options.raft, std::move(persisted));
    RE_ASSERT(m_raft->applied_index() == m_escort.last_applied_index());
}

Replica::~Replica() = default;

util::Result<ReadyOutcome> Replica::process_ready(const EarlySender& send_early)
{
    if (m_failure.has_value()) {
        return util::make_error(m_failure->code,
                                "replica stopped after a storage failure: " + m_failure->message);
    }
    ReadyOutcome outcome;
    while (outcome.readies < k_readies_per_call_max && m_raft->has_ready()) {
        raft::Ready ready = m_raft->ready();
        if (util::Status done = carry_out(ready, outcome, send_early); !done.ok()) {
            return done.error();
        }
        ++outcome.readies;
    }
    if (util::Status compacted = maybe_take_snapshot(outcome); !compacted.ok()) {
        return compacted.error();
    }
    RE_ASSERT(m_raft->applied_index() == m_escort.last_applied_index());
    return outcome;
}

util::Status Replica::carry_out(raft::Ready& ready, ReadyOutcome& outcome,
                                const EarlySender& send_early)
{
    // 0. A leader's appends go out first, so followers write while we do.
    for (const raft::Message& message : ready.early_messages) {
        RE_ASSERT(message.from == m_raft->id());
    }
    if (send_early) {
        send_early(ready.early_messages);
    } else {
        std::move(ready.early_messages.begin(), ready.early_messages.end(),
                  std::back_inserter(outcome.messages));
    }
    ready.early_messages.clear();
    // 1. Persist snapshot, entries and hard state with one fsync. On failure
    // neither this Ready's messages nor anything after them may leave.
    bool writes = ready.snapshot || !ready.entries.empty() || ready.hard_state;
    auto save_started = std::chrono::steady_clock::now();
    if (util::Status saved = m_storage->save(ready); !saved.ok()) {
        return fail(saved.error());
    }
    if (writes) {
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - save_started;
        m_save_latency.observe(took.count());
    }
    // 2. Queue the messages; the caller sends them once the call returns.
    for (raft::Message& message : ready.messages) {
        RE_ASSERT(message.from == m_raft->id());
        outcome.messages.push_back(std::move(message));
    }
    ready.messages.clear();
    // 3. Install the snapshot, then apply the committed entries in order.
    if (ready.snapshot.has_value()) {
        if (util::Status installed = install_snapshot(*ready.snapshot, outcome); !installed.ok()) {
            return installed;
        }
    }
    for (const raft::Entry& entry : ready.committed_entries) {
        // Entries come exactly once and in order (escort.hpp's apply contract).
        RE_ASSERT(entry.index == raft::next(m_escort.last_applied_index()));
        escort::ApplyResult result = m_escort.apply(entry);
        RE_ASSERT(m_escort.last_applied_index() == entry.index);
        outcome.applied.push_back(AppliedEntry{entry, result});
    }
    outcome.read_states.insert(outcome.read_states.end(), ready.read_states.begin(),
                               ready.read_states.end());
    if (ready.soft_state.has_value()) {
        outcome.soft_state = ready.soft_state;
    }
    // 4. Hand the Ready back.
    m_raft->advance(ready);
    return util::Ok{};
}

util::Status Replica::install_snapshot(const raft::Snapshot& snapshot, ReadyOutcome& outcome)
{
    auto restored = escort::Escort::deserialize(snapshot.data);
    if (!restored.ok()) {
        // It is on disk already, so a restart would refuse it too: stop here.
        return fail(util::make_error(util::ErrorCode::corrupt,
                                     "leader's " + describe(snapshot.metadata)
                                         + " does not decode: " + restored.error().message));
    }
    RE_ASSERT(restored.value().last_applied_index() == snapshot.metadata.index);
    RE_ASSERT(snapshot.metadata.index > m_escort.last_applied_index());
    m_escort = std::move(restored.value());
    // storage.save stored it and dropped the log it covers.
    m_snapshot_index = snapshot.metadata.index;
    ++m_snapshots_installed;
    outcome.snapshot_installed = snapshot.metadata;
    return util::Ok{};
}

util::Status Replica::maybe_take_snapshot(ReadyOutcome& outcome)
{
    if (m_snapshot_every_entries == 0) {
        return util::Ok{};
    }
    const raft::Index applied = m_raft->applied_index();
    RE_ASSERT(applied >= m_snapshot_index);
    if (applied.value - m_snapshot_index.value < m_snapshot_every_entries) {
        return util::Ok{};
    }
    // compact() requires index == applied_index() after advance: both hold here.
    RE_ASSERT(m_escort.last_applied_index() == applied);
    m_raft->compact(applied, m_escort.serialize());
    const std::optional<raft::Snapshot>& snapshot = m_raft->snapshot();
    RE_ASSERT(snapshot.has_value());
    RE_ASSERT(snapshot->metadata.index == applied);
    // Written to a temporary file, fsynced and renamed before segments go.
    if (util::Status saved = m_storage->save_snapshot(*snapshot); !saved.ok()) {
        return fail(saved.error());
    }
    m_snapshot_index = applied;
    ++m_snapshots_taken;
    outcome.snapshot_taken = snapshot->metadata;
    return util::Ok{};
}

util::Error Replica::fail(const util::Error& error)
{
    RE_ASSERT(!m_failure.has_value());
    m_failure = error;
    return error;
}

} // namespace raftescort::runtime
