#pragma once

// Recovery of the write-ahead log: reads every segment in order, verifies
// every record, cuts off a torn tail of the last segment, refuses any other
// damage, and replays the records into the durable Raft state.

#include <raftescort/raft/raft_node.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::store {

/// A segment on disk and what DiskStorage needs to know to delete it.
struct SegmentInfo {
    std::uint64_t sequence = 0;
    std::string path;
    std::uint64_t bytes = 0;
    /// Highest entry index the segment holds (0 if none): the segment may be
    /// deleted once a snapshot covers it.
    raft::Index max_index;
};

struct WalRecovery {
    raft::HardState hard_state;
    std::vector<raft::Entry> entries;
    /// Surviving segments in order (an empty last segment is deleted).
    std::vector<SegmentInfo> segments;
    /// The sequence the next new segment must take.
    std::uint64_t next_sequence = 1;
    RecoveryReport report;
};

util::Result<WalRecovery> recover_wal(const std::string& wal_directory,
                                      const std::optional<raft::SnapshotMetadata>& snapshot,
                                      std::uint64_t& fsync_count);

} // namespace raftescort::store
