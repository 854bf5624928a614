#pragma once

// Segment files of the write-ahead log: their names and a scan that splits a
// segment's bytes into valid records and finds where the valid part ends.

#include "store/wal_record.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raftescort::store {

/// "<sequence, 20 digits>.wal": zero-padded so names sort like sequences.
std::string segment_file_name(std::uint64_t sequence);
/// The sequence in a segment file name, or nothing if the name is not one.
std::optional<std::uint64_t> parse_segment_file_name(std::string_view name);

struct SegmentRecord {
    std::size_t offset = 0;
    Frame frame;
};

struct SegmentScan {
    /// Valid records from the start of the segment, in order.
    std::vector<SegmentRecord> records;
    /// Where the first bytes that are not a valid record start, if any.
    std::optional<std::size_t> bad_offset;
    std::string bad_reason;
    /// The first offset after bad_offset where a valid record starts. When
    /// set, the damage is not a torn tail: a good record follows it.
    std::optional<std::size_t> valid_record_after;
    /// Where the records end when only zeros follow them: space the writer
    /// preallocated and never wrote (segment_writer.hpp). Not damage; no
    /// record is all zeros (type 0 does not exist).
    std::optional<std::size_t> unwritten_from;
};

/// Scans `bytes` (which outlive the result: records point into them).
SegmentScan scan_segment(std::string_view bytes);

} // namespace raftescort::store
