#pragma once

// The open segment the log appends to. It only writes and fsyncs; deciding
// what to write, and when to roll over, is DiskStorage's job.

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
    static util::Result<SegmentWriter> open(const std::string& wal_directory,
                                            std::uint64_t sequence, std::uint64_t existing_bytes);

    /// Appends bytes; they are not durable until sync() succeeds.
    util::Status append(std::string_view bytes);
    util::Status sync(std::uint64_t& fsync_count);

    std::uint64_t sequence() const { return m_sequence; }
    const std::string& path() const { return m_path; }
    /// Bytes appended (written, maybe not yet synced).
    std::uint64_t bytes() const { return m_bytes; }
    /// Bytes known durable: everything appended before the last sync.
    std::uint64_t synced_bytes() const { return m_synced_bytes; }
    int fd() const { return m_file.fd(); }

private:
    SegmentWriter(FileHandle file, std::string path, std::uint64_t sequence,
                  std::uint64_t existing_bytes);

    FileHandle m_file;
    std::string m_path;
    std::uint64_t m_sequence = 0;
    std::uint64_t m_bytes = 0;
    std::uint64_t m_synced_bytes = 0;
};

} // namespace raftescort::store
