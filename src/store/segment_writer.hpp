#pragma once

// The open segment the log appends to. It only writes and fsyncs; deciding
// what to write, and when to roll over, is DiskStorage's job.
//
// The file is grown ahead of the writes in steps of `preallocate_bytes`
// (zeros on disk), so an fsync after an append writes the data alone: when
// the size stays put, the filesystem has no inode or block allocation to
// write as well (on this machine's ext4 one I/O fewer, a third off each
// fsync; bench/RESULTS-storage.md). Recovery reads a zero tail as the
// unwritten end of the log (wal_segment.hpp), and seal() cuts it off.

#include "store/file_ops.hpp"

#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace raftescort::store {

class SegmentWriter {
public:
    /// Opens (creating if missing) the segment `sequence` in `wal_directory`.
    /// `existing_bytes` is its size on disk (0 for a new file).
    /// `preallocate_bytes` 0: the file grows with each append only.
    static util::Result<SegmentWriter> open(const std::string& wal_directory,
                                            std::uint64_t sequence, std::uint64_t existing_bytes,
                                            std::uint64_t preallocate_bytes);

    /// Appends bytes; they are not durable until sync() succeeds.
    util::Status append(std::string_view bytes);
    util::Status sync(std::uint64_t& fsync_count);
    /// Cuts the preallocated zeros off the end of the file, so it holds
    /// exactly what was appended; for a segment that is done. Not fsynced:
    /// until the cut is durable, recovery trims the zeros itself.
    util::Status seal();

    std::uint64_t sequence() const { return m_sequence; }
    const std::string& path() const { return m_path; }
    /// Bytes appended (written, maybe not yet synced).
    std::uint64_t bytes() const { return m_bytes; }
    /// Bytes known durable: everything appended before the last sync.
    std::uint64_t synced_bytes() const { return m_synced_bytes; }
    /// The file's size: bytes() plus the zeros preallocated after them.
    std::uint64_t file_bytes() const { return m_file_bytes; }
    int fd() const { return m_file.fd(); }

private:
    SegmentWriter(FileHandle file, std::string path, std::uint64_t sequence,
                  std::uint64_t existing_bytes, std::uint64_t preallocate_bytes);
    /// Grows the file so `end` bytes fit, one step ahead; on a filesystem
    /// that cannot, stops preallocating and lets writes grow the file.
    void preallocate_for(std::uint64_t end);

    FileHandle m_file;
    std::string m_path;
    std::uint64_t m_sequence = 0;
    std::uint64_t m_bytes = 0;
    std::uint64_t m_synced_bytes = 0;
    std::uint64_t m_file_bytes = 0;
    std::uint64_t m_preallocate_bytes = 0;
};

} // namespace raftescort::store
