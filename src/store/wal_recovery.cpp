// Recovery of the write-ahead log; see wal_recovery.hpp.

#include "store/wal_recovery.hpp"

#include "store/file_ops.hpp"
#include "store/wal_record.hpp"
#include "store/wal_replay.hpp"
#include "store/wal_segment.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>

namespace raftescort::store {
namespace {

util::Error corrupt_at(const std::string& path, std::size_t offset, const std::string& why)
{
    return util::make_error(util::ErrorCode::corrupt, "wal segment " + path
                                                          + ": corrupt record at byte offset "
                                                          + std::to_string(offset) + ": " + why);
}

/// Segment sequences in wal/, sorted; refuses unknown files and gaps (a
/// missing segment in the middle lost entries).
util::Result<std::vector<std::uint64_t>> list_segments(const std::string& wal_directory)
{
    RE_TRY(names, list_directory(wal_directory));
    std::vector<std::uint64_t> sequences;
    for (const std::string& name : names) {
        std::optional<std::uint64_t> sequence = parse_segment_file_name(name);
        if (!sequence.has_value()) {
            return util::make_error(util::ErrorCode::corrupt, "unexpected file "
                                                                  + join_path(wal_directory, name)
                                                                  + " in the wal directory");
        }
        sequences.push_back(*sequence);
    }
    std::sort(sequences.begin(), sequences.end());
    for (std::size_t i = 1; i < sequences.size(); ++i) {
        if (sequences[i] != sequences[i - 1] + 1) {
            return util::make_error(util::ErrorCode::corrupt,
                                    "wal directory " + wal_directory + " is missing segment "
                                        + std::to_string(sequences[i - 1] + 1));
        }
    }
    return sequences;
}

/// Applies one record after the header; errors name the file and offset.
util::Status replay_record(LogReplay& replay, SegmentInfo& info, const SegmentRecord& record)
{
    const Frame& frame = record.frame;
    switch (frame.type) {
    case RecordType::segment_header:
        return corrupt_at(info.path, record.offset, "a segment header inside the segment");
    case RecordType::hard_state: {
        util::Result<raft::HardState> hard_state = decode_hard_state(frame.payload);
        if (!hard_state.ok()) {
            return corrupt_at(info.path, record.offset, hard_state.error().message);
        }
        replay.apply_hard_state(hard_state.value());
        return util::Ok{};
    }
    case RecordType::entry: {
        util::Result<raft::Entry> entry = decode_entry(frame.payload);
        if (!entry.ok()) {
            return corrupt_at(info.path, record.offset, entry.error().message);
        }
        info.max_index = std::max(info.max_index, entry.value().index);
        if (util::Status applied = replay.apply_entry(std::move(entry.value())); !applied.ok()) {
            return corrupt_at(info.path, record.offset, applied.error().message);
        }
        return util::Ok{};
    }
    case RecordType::log_reset: {
        util::Result<LogReset> reset = decode_log_reset(frame.payload);
        if (!reset.ok()) {
            return corrupt_at(info.path, record.offset, reset.error().message);
        }
        replay.apply_log_reset(reset.value());
        return util::Ok{};
    }
    }
    return corrupt_at(info.path, record.offset, "unknown record type");
}

/// Decides what damage in a segment means: a torn tail of the last segment
/// is cut off and reported; anything else is fatal.
util::Status handle_damage(const SegmentScan& scan, const SegmentInfo& info, bool last_segment,
                           std::uint64_t file_bytes, WalRecovery& recovery,
                           std::uint64_t& fsync_count)
{
    RE_ASSERT(scan.bad_offset.has_value());
    std::size_t bad_offset = *scan.bad_offset;
    RE_ASSERT(bad_offset < file_bytes);
    if (!last_segment) {
        return corrupt_at(info.path, bad_offset,
                          scan.bad_reason
                              + " (in a segment that is not the last; refusing to "
                                "skip it)");
    }
    if (scan.valid_record_after.has_value()) {
        return corrupt_at(info.path, bad_offset,
                          scan.bad_reason + " (a valid record follows at byte offset "
                              + std::to_string(*scan.valid_record_after)
                              + ", so this is not a torn write; refusing to skip it)");
    }
    if (util::Status cut = truncate_file(info.path, bad_offset, fsync_count); !cut.ok()) {
        return cut.error();
    }
    recovery.report.truncated_tail =
        RecoveryReport::TruncatedTail{info.path, bad_offset, file_bytes - bad_offset};
    return util::Ok{};
}

/// Reads, verifies and replays one segment. Sets `info.bytes` to its valid size.
util::Status recover_segment(SegmentInfo& info, bool last_segment, LogReplay& replay,
                             WalRecovery& recovery, std::uint64_t& fsync_count)
{
    RE_TRY(bytes, read_whole_file(info.path));
    SegmentScan scan = scan_segment(bytes);
    info.bytes = bytes.size();
    if (scan.unwritten_from.has_value()) {
        // A crash left the writer's preallocated zeros; the file goes back to
        // its records so that every segment on disk ends where its log does.
        if (util::Status cut = truncate_file(info.path, *scan.unwritten_from, fsync_count);
            !cut.ok()) {
            return cut.error();
        }
        info.bytes = *scan.unwritten_from;
    }
    if (scan.bad_offset.has_value()) {
        if (util::Status handled =
                handle_damage(scan, info, last_segment, bytes.size(), recovery, fsync_count);
            !handled.ok()) {
            return handled.error();
        }
        info.bytes = *scan.bad_offset;
    }
    if (scan.records.empty()) {
        // Only the last segment may be empty: a crash right after creating it.
        RE_ASSERT(!last_segment || info.bytes == 0);
        return util::Ok{};
    }
    const SegmentRecord& first = scan.records.front();
    RE_ASSERT(first.offset == 0);
    if (first.frame.type != RecordType::segment_header) {
        return corrupt_at(info.path, 0, "the segment does not start with a segment header");
    }
    util::Result<SegmentHeader> header = decode_segment_header(first.frame.payload);
    if (!header.ok()) {
        return corrupt_at(info.path, 0, header.error().message);
    }
    if (header.value().sequence != info.sequence) {
        return corrupt_at(info.path, 0,
                          "the header's sequence " + std::to_string(header.value().sequence)
                              + " does not match the file name");
    }
    for (std::size_t i = 1; i < scan.records.size(); ++i) {
        if (util::Status applied = replay_record(replay, info, scan.records[i]); !applied.ok()) {
            return applied.error();
        }
    }
    recovery.report.records_read += scan.records.size();
    return util::Ok{};
}

} // namespace

util::Result<WalRecovery> recover_wal(const std::string& wal_directory,
                                      const std::optional<raft::SnapshotMetadata>& snapshot,
                                      std::uint64_t& fsync_count)
{
    RE_TRY(sequences, list_segments(wal_directory));
    WalRecovery recovery;
    LogReplay replay{snapshot};
    for (std::size_t i = 0; i < sequences.size(); ++i) {
        bool last_segment = i + 1 == sequences.size();
        SegmentInfo info{sequences[i], join_path(wal_directory, segment_file_name(sequences[i])), 0,
                         raft::Index{0}};
        if (util::Status recovered =
                recover_segment(info, last_segment, replay, recovery, fsync_count);
            !recovered.ok()) {
            return recovered.error();
        }
        recovery.report.segments_read += 1;
        recovery.next_sequence = info.sequence + 1;
        if (info.bytes == 0 && !last_segment) {
            return corrupt_at(info.path, 0, "a segment that is not the last is empty");
        }
        if (info.bytes == 0) {
            // A segment that never got its header holds nothing; delete it so
            // it does not sit before the next one without a header.
            if (util::Status removed = remove_file(info.path); !removed.ok()) {
                return removed.error();
            }
            if (util::Status synced = sync_directory(wal_directory, fsync_count); !synced.ok()) {
                return synced.error();
            }
            continue;
        }
        recovery.segments.push_back(std::move(info));
    }
    if (util::Status finished = replay.finish(); !finished.ok()) {
        return util::make_error(util::ErrorCode::corrupt,
                                "wal " + wal_directory + ": " + finished.error().message);
    }
    recovery.hard_state = replay.hard_state();
    recovery.entries = std::move(replay.entries());
    return recovery;
}

} // namespace raftescort::store
