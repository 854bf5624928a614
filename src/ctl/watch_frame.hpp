#pragma once

// One frame of `raftescort ctl watch`, as lines of text: the cluster's
// term and leader, the mission, the convoy on the 0..100 track (one row per
// y in use, each node drawn at its x), and the roles table. Pure: no I/O,
// so the drawing is the same in a terminal and in a pipe.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace raftescort::ctl {

/// What one frame shows, as fetched from the proxy.
struct WatchSnapshot {
    /// GET /status data, GET /nodes data, GET /mission data; null if not fetched.
    nlohmann::json status;
    nlohmann::json nodes;
    nlohmann::json mission;
    /// Why some of the above is missing; empty when all of it came.
    std::string error;
};

/// The narrowest and widest track: 101 columns is one column per unit.
inline constexpr std::size_t k_watch_track_columns_min = 21;
inline constexpr std::size_t k_watch_track_columns_max = 101;

struct WatchFrameStyle {
    /// Highlight the leader's marker with reverse video (escape codes).
    bool highlight = false;
    /// Say "q quits" in the header.
    bool interactive = false;
    /// Columns of the track, within k_watch_track_columns_min..max.
    std::size_t track_columns = k_watch_track_columns_max;
    /// Shown in the header.
    std::string proxy_url;
    std::string clock;
};

/// The frame's lines, without newlines. Only the track rows may hold
/// escape codes, and only with `style.highlight`.
std::vector<std::string> render_watch_frame(const WatchSnapshot& snapshot,
                                            const WatchFrameStyle& style);

} // namespace raftescort::ctl
