#pragma once

// The recording file (man/raftescort-proxy.1, RECORDING): JSON Lines, one
// object per line. The first line is the header
//   {"format": "raftescort-recording", "version": 1, "cluster", "started_ms"}
// and every other line one event at a wall-clock time:
//   {"t_ms": <ms since the epoch>,
//    "event": "status"|"record"|"trace"|"lesson"|"snapshot",
//    "data": <the event's JSON>}
// A "snapshot" holds the proxy's answers of /nodes, /elections, /leaders and
// /mission, so a reader can start from the nearest one before a moment.
// Writing is string assembly (the data is already JSON text); reading checks
// every field, because a recording is a file anyone may have edited.

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace raftescort::proxy {

inline constexpr const char* k_recording_format = "raftescort-recording";
inline constexpr std::int64_t k_recording_version = 1;

struct RecordingHeader {
    std::string cluster;
    /// When the recording started, ms since the epoch.
    std::int64_t started_ms = 0;
};

/// What one event line holds, read back.
struct RecordingLine {
    std::int64_t t_ms = 0;
    /// status, record, trace, lesson or snapshot.
    std::string event;
    nlohmann::json data;
};

/// Whether `event` is a kind a recording holds.
bool is_recorded_event(std::string_view event);

/// The header line, "\n" included.
std::string recording_header_line(const RecordingHeader& header);
/// One event line, "\n" included. `data_json` is one line of JSON text (an
/// event's data as the hub carries it); `event` is a recorded kind.
std::string recording_event_line(std::int64_t t_ms, std::string_view event,
                                 std::string_view data_json);

/// Reads a header line (without its "\n"); rejected with the reason when it
/// is not one, or of a version this build does not read.
util::Result<RecordingHeader> parse_recording_header(std::string_view line);
/// Reads an event line (without its "\n"); rejected with the reason.
util::Result<RecordingLine> parse_recording_line(std::string_view line);

} // namespace raftescort::proxy
