#include "proxy/record/recording_format.hpp"

#include <raftescort/util/assert.hpp>

#include <array>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> k_events{"status", "record", "trace", "lesson",
                                                   "snapshot"};

/// The line as a JSON object, or why not.
util::Result<json> parse_object(std::string_view line)
{
    json value = json::parse(line, nullptr, false);
    if (value.is_discarded()) {
        return util::make_error(util::ErrorCode::rejected, "not valid JSON");
    }
    if (!value.is_object()) {
        return util::make_error(util::ErrorCode::rejected, "not a JSON object");
    }
    return value;
}

} // namespace

bool is_recorded_event(std::string_view event)
{
    for (std::string_view known : k_events) {
        if (event == known) {
            return true;
        }
    }
    return false;
}

std::string recording_header_line(const RecordingHeader& header)
{
    RE_ASSERT(header.started_ms > 0);
    const json line{{"format", k_recording_format},
                    {"version", k_recording_version},
                    {"cluster", header.cluster},
                    {"started_ms", header.started_ms}};
    return line.dump() + "\n";
}

std::string recording_event_line(std::int64_t t_ms, std::string_view event,
                                 std::string_view data_json)
{
    RE_ASSERT(is_recorded_event(event));
    // A newline inside would split the line in two; JSON dumps have none.
    RE_ASSERT(data_json.find('\n') == std::string_view::npos);
    RE_ASSERT(!data_json.empty());
    std::string line;
    line.reserve(data_json.size() + 64);
    line += "{\"t_ms\":";
    line += std::to_string(t_ms);
    line += ",\"event\":\"";
    line += event;
    line += "\",\"data\":";
    line += data_json;
    line += "}\n";
    return line;
}

util::Result<RecordingHeader> parse_recording_header(std::string_view line)
{
    RE_TRY(value, parse_object(line));
    if (!value.contains("format") || value["format"] != k_recording_format) {
        return util::make_error(util::ErrorCode::rejected,
                                std::string("not a recording: the first line lacks \"format\": \"")
                                    + k_recording_format + "\"");
    }
    if (!value.contains("version") || !value["version"].is_number_integer()) {
        return util::make_error(util::ErrorCode::rejected, "the header has no integer version");
    }
    if (value["version"].get<std::int64_t>() != k_recording_version) {
        return util::make_error(util::ErrorCode::rejected,
                                "recording version " + value["version"].dump()
                                    + " is not one this build reads (1)");
    }
    if (!value.contains("started_ms") || !value["started_ms"].is_number_integer()) {
        return util::make_error(util::ErrorCode::rejected, "the header has no integer started_ms");
    }
    RecordingHeader header;
    header.started_ms = value["started_ms"].get<std::int64_t>();
    if (value.contains("cluster") && value["cluster"].is_string()) {
        header.cluster = value["cluster"].get<std::string>();
    }
    return header;
}

util::Result<RecordingLine> parse_recording_line(std::string_view line)
{
    RE_TRY(value, parse_object(line));
    if (!value.contains("t_ms") || !value["t_ms"].is_number_integer()) {
        return util::make_error(util::ErrorCode::rejected, "no integer t_ms");
    }
    if (!value.contains("event") || !value["event"].is_string()) {
        return util::make_error(util::ErrorCode::rejected, "no event name");
    }
    if (!value.contains("data")) {
        return util::make_error(util::ErrorCode::rejected, "no data");
    }
    RecordingLine read;
    read.t_ms = value["t_ms"].get<std::int64_t>();
    read.event = value["event"].get<std::string>();
    if (!is_recorded_event(read.event)) {
        return util::make_error(util::ErrorCode::rejected,
                                "unknown event \"" + read.event.substr(0, 40) + "\"");
    }
    read.data = std::move(value["data"]);
    return read;
}

} // namespace raftescort::proxy
