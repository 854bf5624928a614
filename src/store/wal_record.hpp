#pragma once

// The write-ahead log's record format. Every record is framed as
//
//   u32 payload length | u8 type | u32 CRC32C over (type, payload) | payload
//
// little-endian and fixed-width. The frame alone tells a torn or corrupt
// record from a good one; the payload codecs below then check that a good
// frame holds a well-formed value of its type.

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace raftescort::store {

enum class RecordType : std::uint8_t {
    /// First record of every segment: magic, format version, sequence.
    segment_header = 1,
    hard_state = 2,
    entry = 3,
    /// A snapshot from the leader replaced the whole log: forget every entry
    /// before this record; the log now continues after (index, term).
    log_reset = 4,
};

inline constexpr std::size_t k_record_frame_bytes = 4 + 1 + 4;
/// Any length read from disk above this is corruption, not a record.
inline constexpr std::uint32_t k_record_payload_bytes_max = 64U * 1024 * 1024;
/// "RESCWAL" plus a zero: identifies a raftescort segment.
inline constexpr std::uint64_t k_segment_magic = 0x004C415743534552ULL;
inline constexpr std::uint32_t k_segment_format_version = 1;

/// Bytes of an entry record's payload before its data.
inline constexpr std::size_t k_entry_payload_fixed_bytes = 8 + 8 + 1;

struct SegmentHeader {
    std::uint64_t magic = k_segment_magic;
    std::uint32_t format_version = k_segment_format_version;
    /// The segment's position in the log; also its file name.
    std::uint64_t sequence = 0;
};

struct LogReset {
    raft::Index index;
    raft::Term term;
};

/// Appends one framed record to `out`.
void append_record(std::string& out, RecordType type, std::string_view payload);

std::string encode_segment_header(const SegmentHeader& header);
std::string encode_hard_state(const raft::HardState& hard_state);
std::string encode_entry(const raft::Entry& entry);
std::string encode_log_reset(const LogReset& reset);

util::Result<SegmentHeader> decode_segment_header(std::string_view payload);
util::Result<raft::HardState> decode_hard_state(std::string_view payload);
util::Result<raft::Entry> decode_entry(std::string_view payload);
util::Result<LogReset> decode_log_reset(std::string_view payload);

/// One frame read from a buffer.
struct Frame {
    RecordType type = RecordType::segment_header;
    std::string_view payload;
    /// Frame plus payload: where the next record starts.
    std::size_t size = 0;
};

/// Reads the frame at `offset`. An error (code corrupt) says why it is not a
/// whole, valid frame: cut short, implausible length, unknown type or
/// checksum mismatch. Never reads outside `bytes`.
util::Result<Frame> read_frame(std::string_view bytes, std::size_t offset);

} // namespace raftescort::store
