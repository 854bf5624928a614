#pragma once

// DiskStorage: a node's durable state in its data directory. A write-ahead
// log in segment files holds hard state and entry records, each framed with
// its length, a type and a CRC32C; snapshots are whole files written to a
// temporary name, fsynced and renamed; an identity file binds the directory
// to one cluster and one node.
//
// Contract with the Raft core (raft/ready.hpp): save(ready) makes the
// Ready's snapshot, entries and hard state durable with one fsync before it
// returns, so the runtime may then send the Ready's messages. Any failure to
// write or fsync returns an error; the runtime must stop the node then (a
// node never acknowledges what it could not make durable).
//
// Layout of the data directory:
//   IDENTITY                      cluster id, node id, format version
//   wal/<sequence>.wal            segments, numbered 1, 2, ... (20 digits)
//   snapshot/<index>-<term>.snap  the latest snapshot (older ones deleted)
//
// Every segment starts with a header record (magic, format version, its
// sequence) and the hard state durable at its creation, so older segments
// are only needed for their entries. open() always starts a new segment.
// Installing a leader's snapshot writes the snapshot file, then a new
// segment that opens with a log_reset record (the log now continues after
// the snapshot), and only after that is synced deletes the old segments.
// Record formats: src/store/wal_record.hpp and src/store/snapshot_file.hpp.

#include <raftescort/raft/raft_node.hpp>
#include <raftescort/raft/ready.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::store {

/// Which cluster and node a data directory belongs to.
struct Identity {
    std::string cluster_id;
    raft::NodeId node_id;

    bool operator==(const Identity&) const = default;
};

struct StorageOptions {
    std::string directory;
    /// A segment is closed and a new one started once it reaches this size.
    std::uint64_t segment_bytes_max = 64ULL * 1024 * 1024;
    /// The open segment is grown ahead of the writes by this much (zeros), so
    /// that an fsync writes data only; 0 grows it with each append instead.
    /// A clean close, a rollover and recovery cut the unwritten rest off.
    std::uint64_t preallocate_bytes = 1024ULL * 1024;
};

/// What recovery found, for the node's log and for tests.
struct RecoveryReport {
    std::uint64_t segments_read = 0;
    std::uint64_t records_read = 0;
    /// A torn or corrupt tail of the last segment that was cut off.
    struct TruncatedTail {
        std::string file;
        std::uint64_t offset = 0;
        std::uint64_t bytes = 0;
    };
    std::optional<TruncatedTail> truncated_tail;
    bool snapshot_loaded = false;
};

struct DiskStorageInspector;

class DiskStorage {
public:
    /// Opens the data directory, creating it (and its identity) when empty,
    /// and recovers its contents. Fails with a message naming the file and
    /// offset on corruption other than a torn tail, and refuses a directory
    /// that belongs to another cluster or node.
    static util::Result<std::unique_ptr<DiskStorage>> open(const StorageOptions& options,
                                                           const Identity& identity);
    ~DiskStorage();
    DiskStorage(const DiskStorage&) = delete;
    DiskStorage& operator=(const DiskStorage&) = delete;

    /// What recovery read back, ready for raft::RaftNode's constructor
    /// (initial_conf is left empty: the caller sets it for a new cluster).
    const raft::PersistedState& recovered() const;
    const RecoveryReport& report() const;

    /// Makes the Ready's snapshot (if any), entries and hard state (if any)
    /// durable, in that order, with one fsync of the log (group commit;
    /// plus one of the wal directory when a new segment was started). A
    /// Ready with none of the three does no I/O. After any failed write or
    /// fsync every later save and save_snapshot is refused.
    util::Status save(const raft::Ready& ready);

    /// Stores an application snapshot taken by compaction, atomically, and
    /// deletes segments whose entries it wholly covers (a prefix of them,
    /// never the current one). A snapshot not newer than the stored one is
    /// ignored.
    util::Status save_snapshot(const raft::Snapshot& snapshot);

    /// Bytes of log segments on disk (for metrics and tests).
    std::uint64_t wal_bytes() const;
    /// Counts of fsync calls made, for benchmarks.
    std::uint64_t fsync_count() const;

private:
    // Tests reach the current segment's path and descriptor through it
    // (src/store/disk_storage_inspector.hpp) to inject faults.
    friend struct DiskStorageInspector;

    struct State;
    explicit DiskStorage(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

/// The identity of the data directory `directory`, or nullopt when it does
/// not exist or holds no IDENTITY file yet (a node that never started there).
/// A node started without --id learns its id from here; a node that finds
/// nothing knows it has no log and must not vote before a leader admits it.
util::Result<std::optional<Identity>> read_identity(const std::string& directory);

/// CRC32C (Castagnoli), the checksum of every record.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

} // namespace raftescort::store
