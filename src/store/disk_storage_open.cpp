// DiskStorage::open: checks the data directory's identity, recovers the
// latest snapshot and the WAL, and starts a fresh segment to append to.

#include <raftescort/store/disk_storage.hpp>

#include "store/file_ops.hpp"
#include "store/identity_file.hpp"
#include "store/snapshot_store.hpp"
#include "store/storage_state.hpp"
#include "store/wal_recovery.hpp"

#include <raftescort/util/assert.hpp>

#include <utility>

namespace raftescort::store {

namespace {

util::Status validate_options(const StorageOptions& options)
{
    if (options.directory.empty()) {
        return util::make_error(util::ErrorCode::invalid_argument, "data dir must be set");
    }
    if (options.segment_bytes_max == 0) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "segment_bytes_max must be positive");
    }
    return util::Ok{};
}

/// Removes what a crash can leave behind: temporary files of atomic writes.
util::Status remove_leftovers(const StorageState& state, std::uint64_t& fsync_count)
{
    if (util::Status removed = remove_temporary_files(state.options.directory, fsync_count);
        !removed.ok()) {
        return removed.error();
    }
    return remove_temporary_files(state.snapshot_directory, fsync_count);
}

/// Moves what recovery found into the state and the PersistedState handed
/// to the core.
void adopt_recovery(StorageState& state, std::optional<raft::Snapshot> snapshot,
                    WalRecovery recovery)
{
    state.report = std::move(recovery.report);
    state.report.snapshot_loaded = snapshot.has_value();
    state.segments = std::move(recovery.segments);
    state.next_sequence = recovery.next_sequence;
    state.hard_state = recovery.hard_state;
    if (snapshot.has_value()) {
        state.snapshot_index = snapshot->metadata.index;
        state.snapshot_term = snapshot->metadata.term;
    }
    state.last_index =
        recovery.entries.empty() ? state.snapshot_index : recovery.entries.back().index;
    state.recovered.hard_state = recovery.hard_state;
    state.recovered.snapshot = std::move(snapshot);
    state.recovered.entries = std::move(recovery.entries);
    // The application's state is the snapshot; later entries are applied again.
    state.recovered.applied = state.snapshot_index;
    // Recovery's own checks, restated where the state is assembled.
    RE_ASSERT(state.hard_state.commit >= state.snapshot_index);
    RE_ASSERT(state.hard_state.commit <= state.last_index);
    if (!state.recovered.entries.empty()) {
        RE_ASSERT(state.recovered.entries.front().index == raft::next(state.snapshot_index));
    }
}

} // namespace

util::Result<std::unique_ptr<DiskStorage>> DiskStorage::open(const StorageOptions& options,
                                                             const Identity& identity)
{
    if (util::Status valid = validate_options(options); !valid.ok()) {
        return valid.error();
    }
    if (util::Status valid = validate_identity(identity); !valid.ok()) {
        return valid.error();
    }
    auto state = std::make_unique<State>();
    state->options = options;
    state->wal_directory = join_path(options.directory, k_wal_directory_name);
    state->snapshot_directory = join_path(options.directory, k_snapshot_directory_name);
    std::uint64_t& fsync_count = state->fsync_count;
    if (util::Status prepared = prepare_data_directory(options.directory, identity, fsync_count);
        !prepared.ok()) {
        return prepared.error();
    }
    if (util::Status removed = remove_leftovers(*state, fsync_count); !removed.ok()) {
        return removed.error();
    }
    RE_TRY(snapshot, load_latest_snapshot(state->snapshot_directory));
    std::optional<raft::SnapshotMetadata> metadata;
    if (snapshot.has_value()) {
        metadata = snapshot->metadata;
        // Older snapshots left by a crash before their deletion.
        SnapshotName latest{metadata->index, metadata->term};
        if (util::Status removed =
                remove_snapshots_except(state->snapshot_directory, latest, fsync_count);
            !removed.ok()) {
            return removed.error();
        }
    }
    RE_TRY(recovery, recover_wal(state->wal_directory, metadata, fsync_count));
    adopt_recovery(*state, std::move(snapshot), std::move(recovery));
    // Appending goes to a new segment: the old last segment's tail was just
    // verified (or cut), and a new one starts with the recovered hard state.
    if (util::Status started = start_segment(*state); !started.ok()) {
        return started.error();
    }
    if (util::Status synced = sync_new_segment(*state); !synced.ok()) {
        return synced.error();
    }
    return std::unique_ptr<DiskStorage>(new DiskStorage(std::move(state)));
}

} // namespace raftescort::store
