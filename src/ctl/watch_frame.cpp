#include "ctl/watch_frame.hpp"

#include "ctl/format.hpp"
#include "ctl/views.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

constexpr std::int64_t k_track_x_min = 0;
constexpr std::int64_t k_track_x_max = 100;
// A formation of n nodes spans about n rows; past this the frame would not
// fit a terminal, and the roles table still lists every node.
constexpr std::size_t k_track_rows_max = 12;

constexpr const char* k_highlight_on = "\x1b[7;1m";
constexpr const char* k_highlight_off = "\x1b[0m";

/// A node as the track draws it.
struct Marker {
    std::uint64_t id = 0;
    std::int64_t x = 0;
    std::int64_t y = 0;
    bool leader = false;
};

/// One track row: a character per column, and which columns hold the leader.
struct TrackRow {
    std::string cells;
    std::vector<bool> leader;
};

std::vector<Marker> markers_of(const json& nodes)
{
    std::vector<Marker> markers;
    for (const json& node : as_list(nodes)) {
        const json& position = field(node, "position");
        if (!position.is_array() || position.size() != 2 || !position[0].is_number_integer()
            || !position[1].is_number_integer()) {
            continue;
        }
        Marker marker;
        marker.id = field_unsigned(node, "id");
        marker.x = position[0].get<std::int64_t>();
        marker.y = position[1].get<std::int64_t>();
        marker.leader = field_text(node, "role") == "leader";
        markers.push_back(marker);
    }
    return markers;
}

std::size_t column_of(std::int64_t x, std::size_t columns)
{
    RE_ASSERT(columns >= k_watch_track_columns_min);
    const std::int64_t clamped = std::clamp(x, k_track_x_min, k_track_x_max);
    const auto span = static_cast<std::int64_t>(columns - 1);
    const auto column =
        static_cast<std::size_t>((clamped * span + k_track_x_max / 2) / k_track_x_max);
    RE_ASSERT(column < columns);
    return column;
}

// Node ids 1..9 are drawn as their digit, others as '+'; '*' is a cell
// that several nodes share (the roles table below has them all).
char marker_char(std::uint64_t id)
{
    return id >= 1 && id <= 9 ? static_cast<char>('0' + id) : '+';
}

std::vector<std::string> ruler(const std::string& margin, std::size_t columns)
{
    std::string labels(columns + 2, ' ');
    labels[0] = '0';
    const std::size_t middle = column_of(k_track_x_max / 2, columns);
    labels.replace(middle - 1, 2, "50");
    labels.replace(columns - 2, 3, "100");
    std::string ticks(columns, '-');
    for (const std::int64_t x : {0, 25, 50, 75, 100}) {
        ticks[column_of(x, columns)] = x % 50 == 0 ? '|' : '+';
    }
    while (!labels.empty() && labels.back() == ' ') {
        labels.pop_back();
    }
    return {margin + labels, margin + ticks};
}

std::string draw_row(const TrackRow& row, bool highlight)
{
    if (!highlight) {
        return row.cells;
    }
    std::string line;
    for (std::size_t column = 0; column < row.cells.size(); ++column) {
        if (row.leader[column]) {
            line += std::string(k_highlight_on) + row.cells[column] + k_highlight_off;
        } else {
            line += row.cells[column];
        }
    }
    return line;
}

std::vector<std::string> track_lines(const json& nodes, const WatchFrameStyle& style)
{
    const std::size_t columns = style.track_columns;
    RE_ASSERT(columns >= k_watch_track_columns_min);
    RE_ASSERT(columns <= k_watch_track_columns_max);
    // Rows from the highest y down, as on a map.
    std::map<std::int64_t, TrackRow, std::greater<>> rows;
    for (const Marker& marker : markers_of(nodes)) {
        auto [row, inserted] = rows.try_emplace(marker.y);
        if (inserted) {
            row->second.cells.assign(columns, '.');
            row->second.leader.assign(columns, false);
        }
        const std::size_t column = column_of(marker.x, columns);
        char& cell = row->second.cells[column];
        cell = cell == '.' ? marker_char(marker.id) : '*';
        if (marker.leader) {
            row->second.leader[column] = true;
        }
    }
    if (rows.empty()) {
        rows[0] = TrackRow{std::string(columns, '.'), std::vector<bool>(columns, false)};
    }
    std::size_t label_width = 0;
    for (const auto& [y, row] : rows) {
        label_width = std::max(label_width, ("y=" + std::to_string(y)).size());
    }
    std::vector<std::string> lines = ruler(std::string(label_width + 2, ' '), columns);
    std::size_t drawn = 0;
    for (const auto& [y, row] : rows) {
        if (drawn == k_track_rows_max) {
            lines.push_back("(" + std::to_string(rows.size() - drawn) + " more rows)");
            break;
        }
        std::string label = "y=" + std::to_string(y);
        label.resize(label_width + 2, ' ');
        lines.push_back(label + draw_row(row, style.highlight));
        ++drawn;
    }
    return lines;
}

} // namespace

std::vector<std::string> render_watch_frame(const WatchSnapshot& snapshot,
                                            const WatchFrameStyle& style)
{
    std::vector<std::string> lines;
    std::string header = "raftescort ctl watch  " + style.clock + "  " + style.proxy_url;
    if (style.interactive) {
        header += "  (q quits)";
    }
    lines.push_back(header);
    lines.push_back(snapshot.status.is_null() ? std::string("cluster -")
                                              : cluster_summary(snapshot.status));
    const json& lead = field(snapshot.mission, "lead");
    lines.push_back("mission " + mission_text(snapshot.mission, lead));
    lines.emplace_back();
    for (std::string& line : track_lines(snapshot.nodes, style)) {
        lines.push_back(std::move(line));
    }
    lines.emplace_back();
    for (std::string& line : nodes_table(snapshot.nodes).lines()) {
        lines.push_back(std::move(line));
    }
    if (!snapshot.error.empty()) {
        lines.emplace_back();
        lines.push_back("error: " + snapshot.error);
    }
    return lines;
}

} // namespace raftescort::ctl
