#include "proxy/replay/recording_file.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace raftescort::proxy {

std::int64_t Recording::start_ms() const
{
    RE_ASSERT(!lines.empty());
    return lines.front().t_ms;
}

std::int64_t Recording::end_ms() const
{
    RE_ASSERT(!lines.empty());
    return lines.back().t_ms;
}

util::Result<Recording> load_recording(const std::string& path)
{
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error) {
        return util::make_error(util::ErrorCode::io_error,
                                "cannot read " + path + ": " + error.message());
    }
    if (size > k_replay_file_bytes_max) {
        return util::make_error(util::ErrorCode::rejected,
                                path + " is larger than a replay reads (256 MiB)");
    }
    std::ifstream file(path);
    std::string line;
    if (!file || !std::getline(file, line)) {
        return util::make_error(util::ErrorCode::io_error, "cannot read " + path);
    }
    util::Result<RecordingHeader> header = parse_recording_header(line);
    if (!header.ok()) {
        return util::make_error(util::ErrorCode::rejected,
                                path + ": " + header.error().message);
    }
    Recording recording;
    recording.header = header.value();
    while (std::getline(file, line)) {
        util::Result<RecordingLine> read = parse_recording_line(line);
        if (!read.ok()) {
            ++recording.lines_skipped;
            continue;
        }
        if (!recording.lines.empty()) {
            read.value().t_ms = std::max(read.value().t_ms, recording.lines.back().t_ms);
        }
        if (read.value().event == "lesson") {
            recording.lesson_lines.push_back(recording.lines.size());
        }
        recording.lines.push_back(std::move(read.value()));
    }
    if (recording.lines.empty()) {
        return util::make_error(util::ErrorCode::rejected, path + " holds no event line");
    }
    return recording;
}

std::size_t first_line_after(const Recording& recording, std::int64_t t_ms)
{
    const auto after = std::upper_bound(
        recording.lines.begin(), recording.lines.end(), t_ms,
        [](std::int64_t time, const RecordingLine& line) { return time < line.t_ms; });
    return static_cast<std::size_t>(after - recording.lines.begin());
}

nlohmann::json lesson_at(const Recording& recording, std::int64_t t_ms)
{
    // The lesson lines in order of time, as the lines are: the last one at
    // or before the moment is the one in force.
    const auto after = std::upper_bound(
        recording.lesson_lines.begin(), recording.lesson_lines.end(), t_ms,
        [&recording](std::int64_t time, std::size_t index) {
            return time < recording.lines[index].t_ms;
        });
    if (after == recording.lesson_lines.begin()) {
        return nullptr;
    }
    const RecordingLine& line = recording.lines[*(after - 1)];
    RE_ASSERT(line.event == "lesson");
    // A banner names its lesson; {"cleared": true} is none.
    const bool banner = line.data.is_object() && line.data.contains("lesson");
    return banner ? line.data : nlohmann::json();
}

ReplayView replay_view_at(const Recording& recording, std::int64_t t_ms)
{
    ReplayView view;
    const RecordingLine* status = nullptr;
    const RecordingLine* snapshot = nullptr;
    // Backwards from the moment: the nearest status and snapshot before it.
    for (std::size_t i = first_line_after(recording, t_ms); i > 0; --i) {
        const RecordingLine& line = recording.lines[i - 1];
        if (status == nullptr && line.event == "status") {
            status = &line;
        }
        if (snapshot == nullptr && line.event == "snapshot") {
            snapshot = &line;
        }
        if (status != nullptr && snapshot != nullptr) {
            break;
        }
    }
    if (snapshot != nullptr && snapshot->data.is_object()) {
        view.snapshot = snapshot->data;
        if (snapshot->data.contains("nodes") && snapshot->data["nodes"].is_array()) {
            view.nodes = snapshot->data["nodes"];
        }
    }
    // The newer of the two says where the nodes are.
    if (status != nullptr && status->data.is_object()) {
        view.status = status->data;
        const bool newer = snapshot == nullptr || status->t_ms >= snapshot->t_ms;
        if (newer && status->data.contains("nodes") && status->data["nodes"].is_array()) {
            view.nodes = status->data["nodes"];
        }
    }
    return view;
}

} // namespace raftescort::proxy
