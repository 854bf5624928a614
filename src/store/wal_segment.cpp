// Segment naming and scanning; see wal_segment.hpp.

#include "store/wal_segment.hpp"

#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <algorithm>

namespace raftescort::store {
namespace {

constexpr std::size_t k_segment_sequence_digits = 20;
constexpr std::string_view k_segment_suffix = ".wal";

} // namespace

std::string segment_file_name(std::uint64_t sequence)
{
    RE_ASSERT(sequence > 0);
    std::string digits = std::to_string(sequence);
    RE_ASSERT(digits.size() <= k_segment_sequence_digits);
    std::string name(k_segment_sequence_digits - digits.size(), '0');
    name += digits;
    name += k_segment_suffix;
    return name;
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name)
{
    if (name.size() != k_segment_sequence_digits + k_segment_suffix.size()) {
        return std::nullopt;
    }
    if (name.substr(k_segment_sequence_digits) != k_segment_suffix) {
        return std::nullopt;
    }
    std::optional<std::uint64_t> sequence =
        util::parse_decimal<std::uint64_t>(name.substr(0, k_segment_sequence_digits));
    if (!sequence || *sequence == 0) {
        return std::nullopt;
    }
    return sequence;
}

SegmentScan scan_segment(std::string_view bytes)
{
    SegmentScan scan;
    std::size_t offset = 0;
    // Every record takes at least a frame, which bounds the loop.
    const std::size_t records_max = bytes.size() / k_record_frame_bytes;
    while (offset < bytes.size()) {
        RE_ASSERT(scan.records.size() <= records_max);
        util::Result<Frame> frame = read_frame(bytes, offset);
        if (!frame.ok()) {
            scan.bad_offset = offset;
            scan.bad_reason = frame.error().message;
            break;
        }
        RE_ASSERT(frame.value().size >= k_record_frame_bytes);
        scan.records.push_back(SegmentRecord{offset, frame.value()});
        offset += frame.value().size;
    }
    RE_ASSERT(offset <= bytes.size());
    if (!scan.bad_offset.has_value()) {
        return scan;
    }
    if (std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.end(),
                    [](char byte) { return byte == 0; })) {
        scan.unwritten_from = offset;
        scan.bad_offset.reset();
        scan.bad_reason.clear();
        return scan;
    }
    // A torn write leaves damage only at the end. Look for any valid record
    // starting after the bad one; its length field may be the damaged part,
    // so every later offset is a candidate. (An entry whose data happens to
    // contain a well-formed record makes this report corruption where a torn
    // tail was: the safe direction, since it stops rather than discards.)
    for (std::size_t candidate = *scan.bad_offset + 1;
         candidate + k_record_frame_bytes <= bytes.size(); ++candidate) {
        if (read_frame(bytes, candidate).ok()) {
            scan.valid_record_after = candidate;
            break;
        }
    }
    return scan;
}

} // namespace raftescort::store
