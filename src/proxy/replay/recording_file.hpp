#pragma once

// A recording (proxy/record/recording_format.hpp) read whole into memory for
// a replay, and the cluster's state at any moment of it: the last snapshot
// at or before that moment, with the nodes of the last status event since,
// and the lesson banner of the last lesson event.
// Elections and leaders change only at snapshots (every 5 s and at the end
// of a recording), so a moment between two snapshots shows the earlier one's.

#include "proxy/record/recording_format.hpp"

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace raftescort::proxy {

/// A replay reads at most this much: the recorder's default cap, 4 times.
/// Parsed, a recording takes about 6 times its size in memory.
inline constexpr std::uint64_t k_replay_file_bytes_max = 256ull * 1024 * 1024;

struct Recording {
    RecordingHeader header;
    /// In file order; t_ms never decreases (a line that goes back is
    /// raised to its predecessor's time).
    std::vector<RecordingLine> lines;
    /// Lines that were not recording lines (cut short, edited), left out.
    std::uint64_t lines_skipped = 0;
    /// The index in `lines` of each "lesson" line, in order: lessons are
    /// rare, and the banner at a moment is then found without a scan.
    std::vector<std::size_t> lesson_lines;

    std::int64_t start_ms() const;
    std::int64_t end_ms() const;
};

/// Reads `path`: rejected when its first line is not a recording header,
/// when it has no event line, or when it is larger than the limit above;
/// io_error when it cannot be read.
util::Result<Recording> load_recording(const std::string& path);

/// The proxy's answers at one moment of a recording.
struct ReplayView {
    /// GET /nodes's data; an empty list before the first snapshot or status.
    nlohmann::json nodes = nlohmann::json::array();
    /// The "status" event's data ({nodes, leader, leader_name, term}), or null.
    nlohmann::json status;
    /// The last snapshot's data ({nodes, elections, leaders, mission}), or null.
    nlohmann::json snapshot;
};

/// The view at `t_ms` (lines with t_ms <= it count).
ReplayView replay_view_at(const Recording& recording, std::int64_t t_ms);

/// The lesson banner in force at `t_ms` (the last "lesson" line's banner at
/// or before it), or null: none yet, or the last one cleared it.
nlohmann::json lesson_at(const Recording& recording, std::int64_t t_ms);

/// Index of the first line with t_ms > `t_ms`; lines.size() when none.
std::size_t first_line_after(const Recording& recording, std::int64_t t_ms);

} // namespace raftescort::proxy
