#pragma once

// Read-only views into a DiskStorage for tests (fault injection needs to know
// which file to damage). Not part of the public API: only tests include it.

#include <raftescort/store/disk_storage.hpp>

#include <cstdint>
#include <string>

namespace raftescort::store {

struct DiskStorageInspector {
    /// The segment the next save appends to.
    static std::string current_segment_path(const DiskStorage& storage);
    /// The file the next new segment (rollover or snapshot install) creates.
    static std::string next_segment_path(const DiskStorage& storage);
    /// The open descriptor of the current segment.
    static int current_segment_fd(const DiskStorage& storage);
    /// Bytes written to the current segment (its file may be longer: the
    /// preallocated zeros).
    static std::uint64_t current_segment_bytes(const DiskStorage& storage);
    static std::uint64_t segment_count(const DiskStorage& storage);
};

} // namespace raftescort::store
