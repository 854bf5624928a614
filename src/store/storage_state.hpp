#pragma once

// The state behind a DiskStorage, shared by its open path
// (disk_storage_open.cpp) and its write path (disk_storage.cpp).

#include "store/segment_writer.hpp"
#include "store/wal_recovery.hpp"

#include <raftescort/raft/raft_node.hpp>
#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::store {

struct StorageState {
    StorageOptions options;
    std::string wal_directory;
    std::string snapshot_directory;
    raft::PersistedState recovered;
    RecoveryReport report;
    /// Segments on disk in order; the last one is the one `writer` appends to.
    std::vector<SegmentInfo> segments;
    std::optional<SegmentWriter> writer;
    std::uint64_t next_sequence = 1;
    /// The durable hard state, written at the start of every new segment.
    raft::HardState hard_state;
    /// The last durable log index (the snapshot's when no entry follows it).
    raft::Index last_index;
    raft::Index snapshot_index;
    raft::Term snapshot_term;
    std::uint64_t fsync_count = 0;
    /// Set by the first failed write: the disk's state is then unknown, and
    /// nothing more may be written or acknowledged.
    std::optional<util::Error> failure;
};

/// DiskStorage's private state is exactly this; the nested name keeps the
/// public header free of it.
struct DiskStorage::State : StorageState { };

/// Opens segment `next_sequence` and writes its header and the durable hard
/// state, so older segments are only ever needed for their entries. The
/// caller appends more, then calls sync_new_segment.
util::Status start_segment(StorageState& state);
/// Makes a new segment durable: its contents, then its directory entry.
util::Status sync_new_segment(StorageState& state);

} // namespace raftescort::store
