#include "ctl/trace_views.hpp"

#include "ctl/format.hpp"

#include <string>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

std::string padded(std::string text, std::size_t width)
{
    if (text.size() < width) {
        text.append(width - text.size(), ' ');
    }
    return text;
}

/// What the message says, by its type.
std::string details(const json& message, const std::string& type)
{
    if (type == "vote" || type == "pre_vote") {
        return "last entry " + field_text(message, "last_index") + "@"
               + field_text(message, "last_term");
    }
    if (type == "vote_response" || type == "pre_vote_response") {
        return field(message, "granted") == true ? "granted"
                                                  : "refused: " + field_text(message, "reason");
    }
    if (type == "append") {
        return "after " + field_text(message, "prev_index") + "@" + field_text(message, "prev_term")
               + ", " + field_text(message, "entries") + " entries, commit "
               + field_text(message, "commit");
    }
    if (type == "append_response") {
        if (field(message, "success") == true) {
            return "ok, matches " + field_text(message, "index");
        }
        return "conflict at " + field_text(message, "index") + ", hint "
               + field_text(message, "conflict_index") + "@"
               + field_text(message, "conflict_term");
    }
    if (type == "heartbeat") {
        return "commit " + field_text(message, "commit");
    }
    if (type == "snapshot") {
        return "chunk at " + field_text(message, "chunk_offset") + ", "
               + field_text(message, "chunk_bytes") + " bytes"
               + (field(message, "chunk_last") == true ? ", last" : "");
    }
    if (type == "snapshot_response") {
        return field(message, "success") == true ? "installed" : "refused";
    }
    return "";
}

} // namespace

std::string trace_line(const json& message)
{
    const std::string type = field_text(message, "type");
    std::string line = timestamp_ms_text(field(message, "at_ms"));
    // The date is the same on every line: only the time of day.
    if (const std::size_t space = line.find(' '); space != std::string::npos) {
        line = line.substr(space + 1);
    }
    line += "  " + padded("n" + field_text(message, "from") + " -> n" + field_text(message, "to"), 10);
    line += "  " + padded(type, 18);
    line += "  " + padded("term " + field_text(message, "term"), 8);
    const json& count = field(message, "count");
    if (count.is_number_integer() && count.get<std::int64_t>() > 1) {
        line += "  x" + std::to_string(count.get<std::int64_t>());
    }
    const std::string said = details(message, type);
    if (!said.empty()) {
        line += "  " + said;
    }
    const std::string fate = field_text(message, "fate");
    if (fate != "sent" && fate != k_no_value) {
        line += "  [" + fate + " by a fault]";
    }
    return line;
}

} // namespace raftescort::ctl
