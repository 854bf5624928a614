// DiskStorage: making Readys and compaction snapshots durable. Opening and
// recovery are in disk_storage_open.cpp; the file formats in wal_record,
// snapshot_file and identity_file; the recovery rules in wal_recovery and
// wal_replay.

#include <raftescort/store/disk_storage.hpp>

#include "store/disk_storage_inspector.hpp"
#include "store/file_ops.hpp"
#include "store/segment_writer.hpp"
#include "store/snapshot_store.hpp"
#include "store/storage_state.hpp"
#include "store/wal_record.hpp"
#include "store/wal_segment.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::store {

util::Status start_segment(StorageState& state)
{
    if (state.writer.has_value()) {
        // The segment being left behind keeps exactly what was appended.
        if (util::Status sealed = state.writer->seal(); !sealed.ok()) {
            return sealed.error();
        }
    }
    RE_TRY(writer, SegmentWriter::open(state.wal_directory, state.next_sequence, 0,
                                       state.options.preallocate_bytes));
    std::string records;
    append_record(records, RecordType::segment_header,
                  encode_segment_header(SegmentHeader{k_segment_magic, k_segment_format_version,
                                                      state.next_sequence}));
    append_record(records, RecordType::hard_state, encode_hard_state(state.hard_state));
    if (util::Status appended = writer.append(records); !appended.ok()) {
        return appended.error();
    }
    state.segments.push_back(
        SegmentInfo{state.next_sequence, writer.path(), writer.bytes(), raft::Index{0}});
    state.writer.emplace(std::move(writer));
    state.next_sequence += 1;
    RE_ASSERT(state.segments.back().sequence == state.writer->sequence());
    return util::Ok{};
}

util::Status sync_new_segment(StorageState& state)
{
    RE_ASSERT(state.writer.has_value());
    if (util::Status synced = state.writer->sync(state.fsync_count); !synced.ok()) {
        return synced.error();
    }
    state.segments.back().bytes = state.writer->bytes();
    return sync_directory(state.wal_directory, state.fsync_count);
}

namespace {

using State = StorageState;

/// Deletes segments before the current one: all of them, or those whose
/// entries are all covered by a snapshot at `covered_index`. Only a prefix
/// goes, so replaying the rest gives the same log after the snapshot.
util::Status remove_segments_before_current(State& state, raft::Index covered_index,
                                            bool remove_all)
{
    RE_ASSERT(!state.segments.empty());
    std::size_t removed = 0;
    while (removed + 1 < state.segments.size()
           && (remove_all || state.segments[removed].max_index <= covered_index)) {
        if (util::Status unlinked = remove_file(state.segments[removed].path); !unlinked.ok()) {
            state.segments.erase(state.segments.begin(),
                                 state.segments.begin() + static_cast<std::ptrdiff_t>(removed));
            return unlinked.error();
        }
        removed += 1;
    }
    state.segments.erase(state.segments.begin(),
                         state.segments.begin() + static_cast<std::ptrdiff_t>(removed));
    RE_ASSERT(!state.segments.empty());
    if (removed == 0) {
        return util::Ok{};
    }
    return sync_directory(state.wal_directory, state.fsync_count);
}

std::string encode_batch(const raft::Ready& ready)
{
    std::string batch;
    for (const raft::Entry& entry : ready.entries) {
        append_record(batch, RecordType::entry, encode_entry(entry));
    }
    if (ready.hard_state.has_value()) {
        append_record(batch, RecordType::hard_state, encode_hard_state(*ready.hard_state));
    }
    return batch;
}

/// Appends a batch to the current segment (rolling over first if it is
/// full), with one fsync of the segment when `sync` is set; unsynced bytes
/// become durable with the next synced append.
util::Status append_batch(State& state, const std::string& batch, bool sync)
{
    RE_ASSERT(state.writer.has_value());
    bool rolled_over = false;
    if (state.writer->bytes() >= state.options.segment_bytes_max) {
        // A full segment goes durable before the next one starts: recovery
        // cuts a torn tail off the last segment only.
        if (state.writer->bytes() != state.writer->synced_bytes()) {
            if (util::Status synced = state.writer->sync(state.fsync_count); !synced.ok()) {
                return synced.error();
            }
        }
        if (util::Status started = start_segment(state); !started.ok()) {
            return started.error();
        }
        rolled_over = true;
    }
    if (util::Status appended = state.writer->append(batch); !appended.ok()) {
        return appended.error();
    }
    if (rolled_over) {
        return sync_new_segment(state);
    }
    if (sync) {
        if (util::Status synced = state.writer->sync(state.fsync_count); !synced.ok()) {
            return synced.error();
        }
    }
    state.segments.back().bytes = state.writer->bytes();
    return util::Ok{};
}

/// Whether a save must be durable before its messages leave. Not when only
/// the commit index moved: Raft keeps commitIndex in volatile state (Figure
/// 2), so after a crash the node may come back with an older commit, which
/// the leader's next message restores; term, vote and entries always sync.
/// (etcd's MustSync draws the same line.) This halves the fsyncs of a
/// cluster under load: each commit advance would otherwise cost one on
/// every member.
bool must_sync(const State& state, const raft::Ready& ready)
{
    if (ready.snapshot.has_value() || !ready.entries.empty()) {
        return true;
    }
    RE_ASSERT(ready.hard_state.has_value());
    return ready.hard_state->term != state.hard_state.term
           || ready.hard_state->voted_for != state.hard_state.voted_for;
}

/// Installs a leader's snapshot: the snapshot file first, then a fresh
/// segment that opens with a log reset, then the batch, all synced; only
/// then are the old segments and snapshots deleted.
util::Status install_snapshot(State& state, const raft::Snapshot& snapshot,
                              const std::string& batch)
{
    const raft::SnapshotMetadata& metadata = snapshot.metadata;
    if (util::Status written =
            write_snapshot(state.snapshot_directory, snapshot, state.fsync_count);
        !written.ok()) {
        return written.error();
    }
    if (util::Status started = start_segment(state); !started.ok()) {
        return started.error();
    }
    std::string records;
    append_record(records, RecordType::log_reset,
                  encode_log_reset(LogReset{metadata.index, metadata.term}));
    records += batch;
    if (util::Status appended = state.writer->append(records); !appended.ok()) {
        return appended.error();
    }
    if (util::Status synced = sync_new_segment(state); !synced.ok()) {
        return synced.error();
    }
    // Durable from here on; what follows only reclaims space.
    state.snapshot_index = metadata.index;
    state.snapshot_term = metadata.term;
    if (util::Status removed = remove_segments_before_current(state, metadata.index, true);
        !removed.ok()) {
        return removed.error();
    }
    return remove_snapshots_except(state.snapshot_directory,
                                   SnapshotName{metadata.index, metadata.term}, state.fsync_count);
}

/// The core's side of the batch contract (raft/ready.hpp); a violation is a bug.
void check_ready_contract(const State& state, const raft::Ready& ready)
{
    for (std::size_t i = 1; i < ready.entries.size(); ++i) {
        RE_ASSERT(ready.entries[i].index == raft::next(ready.entries[i - 1].index));
    }
    raft::Index last_after = state.last_index;
    if (ready.snapshot.has_value()) {
        // A leader snapshot only ever moves the log forward.
        RE_ASSERT(ready.snapshot->metadata.index.value > 0);
        RE_ASSERT(ready.snapshot->metadata.index >= state.snapshot_index);
        last_after = ready.snapshot->metadata.index;
        if (!ready.entries.empty()) {
            RE_ASSERT(ready.entries.front().index == raft::next(last_after));
        }
    } else if (!ready.entries.empty()) {
        // Entries replace a suffix or extend the log, never reach into the snapshot.
        RE_ASSERT(ready.entries.front().index <= raft::next(state.last_index));
        RE_ASSERT(ready.entries.front().index > state.snapshot_index);
    }
    if (!ready.entries.empty()) {
        last_after = ready.entries.back().index;
    }
    // Commit never runs ahead of the log it is saved with.
    if (ready.hard_state.has_value()) {
        RE_ASSERT(ready.hard_state->commit <= last_after);
    }
}

util::Status check_entry_sizes(const std::vector<raft::Entry>& entries)
{
    for (const raft::Entry& entry : entries) {
        if (entry.data.size() > k_record_payload_bytes_max - k_entry_payload_fixed_bytes) {
            return util::make_error(util::ErrorCode::invalid_argument,
                                    "entry " + std::to_string(entry.index.value) + " has "
                                        + std::to_string(entry.data.size())
                                        + " bytes of data, more than a WAL record holds");
        }
    }
    return util::Ok{};
}

util::Error refused(const util::Error& failure)
{
    return util::make_error(failure.code,
                            "storage refuses writes after an earlier failure: " + failure.message);
}

} // namespace

DiskStorage::DiskStorage(std::unique_ptr<State> state) : m_state(std::move(state))
{
    RE_ASSERT(m_state != nullptr);
    RE_ASSERT(m_state->writer.has_value());
}

DiskStorage::~DiskStorage()
{
    // A clean close leaves segment files holding exactly their records. If
    // this fails, or the process dies first, recovery trims the zeros.
    if (m_state->writer.has_value() && !m_state->failure.has_value()) {
        (void)m_state->writer->seal();
    }
}

const raft::PersistedState& DiskStorage::recovered() const { return m_state->recovered; }

const RecoveryReport& DiskStorage::report() const { return m_state->report; }

std::uint64_t DiskStorage::fsync_count() const { return m_state->fsync_count; }

std::uint64_t DiskStorage::wal_bytes() const
{
    std::uint64_t total = 0;
    for (const SegmentInfo& segment : m_state->segments) {
        total += segment.bytes;
    }
    return total;
}

util::Status DiskStorage::save(const raft::Ready& ready)
{
    State& state = *m_state;
    if (state.failure.has_value()) {
        return refused(*state.failure);
    }
    // Nothing durable in this Ready: no I/O at all.
    if (!ready.snapshot.has_value() && ready.entries.empty() && !ready.hard_state.has_value()) {
        return util::Ok{};
    }
    check_ready_contract(state, ready);
    if (util::Status sized = check_entry_sizes(ready.entries); !sized.ok()) {
        return sized.error();
    }
    std::string batch = encode_batch(ready);
    util::Status written = ready.snapshot.has_value()
                               ? install_snapshot(state, *ready.snapshot, batch)
                               : append_batch(state, batch, must_sync(state, ready));
    if (!written.ok()) {
        state.failure = written.error();
        return written.error();
    }
    if (ready.snapshot.has_value()) {
        state.last_index = ready.snapshot->metadata.index;
    }
    if (!ready.entries.empty()) {
        state.last_index = ready.entries.back().index;
        SegmentInfo& current = state.segments.back();
        current.max_index = std::max(current.max_index, state.last_index);
    }
    if (ready.hard_state.has_value()) {
        state.hard_state = *ready.hard_state;
    }
    RE_ASSERT(state.hard_state.commit <= state.last_index);
    RE_ASSERT(state.segments.back().bytes == state.writer->bytes());
    return util::Ok{};
}

util::Status DiskStorage::save_snapshot(const raft::Snapshot& snapshot)
{
    State& state = *m_state;
    if (state.failure.has_value()) {
        return refused(*state.failure);
    }
    const raft::SnapshotMetadata& metadata = snapshot.metadata;
    RE_ASSERT(metadata.index.value > 0);
    if (metadata.index <= state.snapshot_index) {
        // Not newer than what is stored: nothing to do.
        return util::Ok{};
    }
    // Compaction covers only entries this storage made durable.
    RE_ASSERT(metadata.index <= state.last_index);
    util::Status written = write_snapshot(state.snapshot_directory, snapshot, state.fsync_count);
    if (written.ok()) {
        state.snapshot_index = metadata.index;
        state.snapshot_term = metadata.term;
        written = remove_segments_before_current(state, metadata.index, false);
    }
    if (written.ok()) {
        written =
            remove_snapshots_except(state.snapshot_directory,
                                    SnapshotName{metadata.index, metadata.term}, state.fsync_count);
    }
    if (!written.ok()) {
        state.failure = written.error();
        return written.error();
    }
    return util::Ok{};
}

std::string DiskStorageInspector::current_segment_path(const DiskStorage& storage)
{
    return storage.m_state->writer->path();
}

std::string DiskStorageInspector::next_segment_path(const DiskStorage& storage)
{
    return join_path(storage.m_state->wal_directory,
                     segment_file_name(storage.m_state->next_sequence));
}

int DiskStorageInspector::current_segment_fd(const DiskStorage& storage)
{
    return storage.m_state->writer->fd();
}

std::uint64_t DiskStorageInspector::current_segment_bytes(const DiskStorage& storage)
{
    return storage.m_state->writer->bytes();
}

std::uint64_t DiskStorageInspector::segment_count(const DiskStorage& storage)
{
    return storage.m_state->segments.size();
}

} // namespace raftescort::store
