#pragma once

// The snapshot directory: writing a snapshot atomically, finding the latest
// one on recovery, and deleting the ones it replaces.

#include "store/snapshot_file.hpp"

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace raftescort::store {

/// Writes the snapshot to a temporary name, fsyncs it, renames it to its
/// final name and fsyncs the directory.
util::Status write_snapshot(const std::string& snapshot_directory, const raft::Snapshot& snapshot,
                            std::uint64_t& fsync_count);

/// Deletes every snapshot file but `keep`, then fsyncs the directory. Called
/// only after `keep` is durable, so a crash midway leaves `keep` the latest.
util::Status remove_snapshots_except(const std::string& snapshot_directory,
                                     const SnapshotName& keep, std::uint64_t& fsync_count);

/// Deletes temporary files a crash left behind in `directory`.
util::Status remove_temporary_files(const std::string& directory, std::uint64_t& fsync_count);

/// Reads the snapshot with the highest index (then term). A damaged latest
/// snapshot is an error naming its file: it was renamed into place only
/// after an fsync, so damage means the disk lost synced data.
util::Result<std::optional<raft::Snapshot>>
load_latest_snapshot(const std::string& snapshot_directory);

} // namespace raftescort::store
