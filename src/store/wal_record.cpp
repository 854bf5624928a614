// Encoding and checked decoding of WAL records; see wal_record.hpp.

#include "store/wal_record.hpp"

#include "store/byte_codec.hpp"

#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/assert.hpp>

namespace raftescort::store {
namespace {

constexpr std::size_t k_segment_header_payload_bytes = 8 + 4 + 8;
constexpr std::size_t k_hard_state_payload_bytes = 8 + 8 + 8;
constexpr std::size_t k_log_reset_payload_bytes = 8 + 8;

static_assert(k_record_payload_bytes_max > k_entry_payload_fixed_bytes);
static_assert(k_record_payload_bytes_max <= UINT32_MAX);

bool is_known_record_type(std::uint8_t type)
{
    return type >= static_cast<std::uint8_t>(RecordType::segment_header)
           && type <= static_cast<std::uint8_t>(RecordType::log_reset);
}

std::uint32_t record_checksum(std::uint8_t type, std::string_view payload)
{
    std::uint32_t crc = crc32c(&type, 1);
    return crc32c(payload.data(), payload.size(), crc);
}

util::Error malformed(std::string_view what, std::string_view why)
{
    return util::make_error(util::ErrorCode::corrupt,
                            std::string(what) + " record " + std::string(why));
}

} // namespace

void append_record(std::string& out, RecordType type, std::string_view payload)
{
    // The writer checks the limit before it encodes, so this is a bug guard.
    RE_ASSERT(payload.size() <= k_record_payload_bytes_max);
    RE_ASSERT(is_known_record_type(static_cast<std::uint8_t>(type)));
    std::size_t size_before = out.size();
    ByteWriter writer(out);
    writer.put_u32(static_cast<std::uint32_t>(payload.size()));
    writer.put_u8(static_cast<std::uint8_t>(type));
    writer.put_u32(record_checksum(static_cast<std::uint8_t>(type), payload));
    writer.put_bytes(payload);
    RE_ASSERT(out.size() == size_before + k_record_frame_bytes + payload.size());
}

std::string encode_segment_header(const SegmentHeader& header)
{
    RE_ASSERT(header.sequence > 0);
    std::string payload;
    ByteWriter writer(payload);
    writer.put_u64(header.magic);
    writer.put_u32(header.format_version);
    writer.put_u64(header.sequence);
    RE_ASSERT(payload.size() == k_segment_header_payload_bytes);
    return payload;
}

std::string encode_hard_state(const raft::HardState& hard_state)
{
    std::string payload;
    ByteWriter writer(payload);
    writer.put_u64(hard_state.term.value);
    writer.put_u64(hard_state.voted_for.value);
    writer.put_u64(hard_state.commit.value);
    RE_ASSERT(payload.size() == k_hard_state_payload_bytes);
    return payload;
}

std::string encode_entry(const raft::Entry& entry)
{
    RE_ASSERT(entry.index.value > 0);
    RE_ASSERT(entry.data.size() <= k_record_payload_bytes_max - k_entry_payload_fixed_bytes);
    std::string payload;
    payload.reserve(k_entry_payload_fixed_bytes + entry.data.size());
    ByteWriter writer(payload);
    writer.put_u64(entry.term.value);
    writer.put_u64(entry.index.value);
    writer.put_u8(static_cast<std::uint8_t>(entry.type));
    writer.put_bytes(entry.data);
    return payload;
}

std::string encode_log_reset(const LogReset& reset)
{
    RE_ASSERT(reset.index.value > 0);
    std::string payload;
    ByteWriter writer(payload);
    writer.put_u64(reset.index.value);
    writer.put_u64(reset.term.value);
    RE_ASSERT(payload.size() == k_log_reset_payload_bytes);
    return payload;
}

util::Result<SegmentHeader> decode_segment_header(std::string_view payload)
{
    if (payload.size() != k_segment_header_payload_bytes) {
        return malformed("segment header", "has the wrong size");
    }
    ByteReader reader(payload);
    SegmentHeader header;
    bool complete = reader.get_u64(header.magic) && reader.get_u32(header.format_version)
                    && reader.get_u64(header.sequence);
    RE_ASSERT(complete);
    RE_ASSERT(reader.remaining() == 0);
    if (header.magic != k_segment_magic) {
        return malformed("segment header", "has the wrong magic (not a raftescort segment)");
    }
    if (header.format_version != k_segment_format_version) {
        return malformed("segment header",
                         "has unsupported format version " + std::to_string(header.format_version));
    }
    if (header.sequence == 0) {
        return malformed("segment header", "has sequence 0");
    }
    return header;
}

util::Result<raft::HardState> decode_hard_state(std::string_view payload)
{
    if (payload.size() != k_hard_state_payload_bytes) {
        return malformed("hard state", "has the wrong size");
    }
    ByteReader reader(payload);
    raft::HardState hard_state;
    bool complete = reader.get_u64(hard_state.term.value)
                    && reader.get_u64(hard_state.voted_for.value)
                    && reader.get_u64(hard_state.commit.value);
    RE_ASSERT(complete);
    RE_ASSERT(reader.remaining() == 0);
    return hard_state;
}

util::Result<raft::Entry> decode_entry(std::string_view payload)
{
    if (payload.size() < k_entry_payload_fixed_bytes) {
        return malformed("entry", "is shorter than its fixed fields");
    }
    ByteReader reader(payload);
    raft::Entry entry;
    std::uint8_t type = 0;
    bool complete = reader.get_u64(entry.term.value) && reader.get_u64(entry.index.value)
                    && reader.get_u8(type);
    RE_ASSERT(complete);
    if (type > static_cast<std::uint8_t>(raft::EntryType::conf_change)) {
        return malformed("entry", "has unknown entry type " + std::to_string(type));
    }
    if (entry.index.value == 0) {
        return malformed("entry", "has index 0");
    }
    entry.type = static_cast<raft::EntryType>(type);
    std::string_view data;
    complete = reader.get_bytes(reader.remaining(), data);
    RE_ASSERT(complete);
    entry.data.assign(data);
    RE_ASSERT(reader.remaining() == 0);
    return entry;
}

util::Result<LogReset> decode_log_reset(std::string_view payload)
{
    if (payload.size() != k_log_reset_payload_bytes) {
        return malformed("log reset", "has the wrong size");
    }
    ByteReader reader(payload);
    LogReset reset;
    bool complete = reader.get_u64(reset.index.value) && reader.get_u64(reset.term.value);
    RE_ASSERT(complete);
    if (reset.index.value == 0) {
        return malformed("log reset", "has index 0");
    }
    return reset;
}

util::Result<Frame> read_frame(std::string_view bytes, std::size_t offset)
{
    RE_ASSERT(offset <= bytes.size());
    ByteReader reader(bytes.substr(offset));
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t checksum = 0;
    if (!reader.get_u32(length) || !reader.get_u8(type) || !reader.get_u32(checksum)) {
        return util::make_error(util::ErrorCode::corrupt, "record frame is cut short");
    }
    // Check the length before using it: it comes from disk.
    if (length > k_record_payload_bytes_max) {
        return util::make_error(util::ErrorCode::corrupt,
                                "record length " + std::to_string(length) + " exceeds the limit");
    }
    if (length > reader.remaining()) {
        return util::make_error(util::ErrorCode::corrupt, "record length " + std::to_string(length)
                                                              + " runs past the end of the file");
    }
    if (!is_known_record_type(type)) {
        return util::make_error(util::ErrorCode::corrupt,
                                "unknown record type " + std::to_string(type));
    }
    Frame frame;
    bool complete = reader.get_bytes(length, frame.payload);
    RE_ASSERT(complete);
    if (record_checksum(type, frame.payload) != checksum) {
        return util::make_error(util::ErrorCode::corrupt, "record checksum mismatch");
    }
    frame.type = static_cast<RecordType>(type);
    frame.size = k_record_frame_bytes + length;
    RE_ASSERT(offset + frame.size <= bytes.size());
    return frame;
}

} // namespace raftescort::store
