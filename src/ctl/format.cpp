#include "ctl/format.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

constexpr std::int64_t k_ms_per_second = 1000;

bool is_point(const json& value)
{
    return value.is_array() && value.size() == 2 && value[0].is_number() && value[1].is_number();
}

std::string printable(const std::string& text)
{
    std::string line = text;
    for (char& c : line) {
        if (static_cast<unsigned char>(c) < ' ' || c == 0x7F) {
            c = ' ';
        }
    }
    return line;
}

bool is_digits(const std::string& text)
{
    return !text.empty() && text.size() <= 20
           && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

std::string value_text(const json& value)
{
    if (value.is_null()) {
        return k_no_value;
    }
    if (value.is_string()) {
        const std::string text = printable(value.get<std::string>());
        return text.empty() ? k_no_value : text;
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "yes" : "no";
    }
    if (is_point(value)) {
        return "[" + value[0].dump() + ", " + value[1].dump() + "]";
    }
    return printable(value.dump());
}

const json& field(const json& object, const char* key)
{
    RE_ASSERT(key != nullptr);
    static const json k_null;
    if (!object.is_object()) {
        return k_null;
    }
    const auto found = object.find(key);
    return found == object.end() ? k_null : *found;
}

std::string field_text(const json& object, const char* key)
{
    return value_text(field(object, key));
}

std::string duration_ms_text(const json& value)
{
    if (!value.is_number()) {
        return k_no_value;
    }
    const auto ms = value.get<std::int64_t>();
    if (ms < k_ms_per_second) {
        return std::to_string(ms) + "ms";
    }
    char text[32];
    std::snprintf(text, sizeof(text), "%.1fs", static_cast<double>(ms) / k_ms_per_second);
    return text;
}

std::string timestamp_ms_text(const json& value)
{
    if (!value.is_number_integer()) {
        return k_no_value;
    }
    const auto ms = value.get<std::int64_t>();
    const std::time_t seconds = static_cast<std::time_t>(ms / k_ms_per_second);
    std::tm local{};
    if (ms < 0 || ::localtime_r(&seconds, &local) == nullptr) {
        return k_no_value;
    }
    char text[48];
    const std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &local);
    RE_ASSERT(length > 0);
    std::snprintf(text + length, sizeof(text) - length, ".%03d",
                  static_cast<int>(ms % k_ms_per_second));
    return text;
}

std::uint64_t field_unsigned(const json& object, const char* key)
{
    const json& value = field(object, key);
    return value.is_number_unsigned() ? value.get<std::uint64_t>() : 0;
}

std::string commit_text(const json& answer)
{
    if (field(answer, "term").is_null() || field(answer, "index").is_null()) {
        return "";
    }
    return " (term " + field_text(answer, "term") + ", index " + field_text(answer, "index") + ")";
}

std::string timing_setting_text(const json& timing)
{
    if (!timing.is_object()) {
        return k_no_value;
    }
    const std::string own = "each node's own";
    const bool durations_own = field_unsigned(timing, "heartbeat_ms") == 0;
    const bool step_own = field_unsigned(timing, "step_interval_ms") == 0;
    const std::string pre_vote = field_text(timing, "pre_vote");
    const std::string check_quorum = field_text(timing, "check_quorum");
    if (durations_own && step_own && pre_vote == "own" && check_quorum == "own") {
        return own;
    }
    std::string text = durations_own ? own + " heartbeat and election timeout"
                                     : "heartbeat " + field_text(timing, "heartbeat_ms")
                                           + " ms, election timeout "
                                           + field_text(timing, "election_timeout_ms") + " ms";
    text += step_own ? ", " + own + " step interval"
                     : ", a step every " + field_text(timing, "step_interval_ms") + " ms";
    text += ", pre-vote " + (pre_vote == "own" ? own : pre_vote);
    text += ", check-quorum " + (check_quorum == "own" ? own : check_quorum);
    return text;
}

std::string mission_text(const json& mission, const json& lead)
{
    if (!mission.is_object()) {
        return k_no_value;
    }
    std::string text;
    const json& running = field(mission, "running");
    if (running.is_boolean()) {
        text = running.get<bool>() ? "running" : "paused";
    } else {
        text = "state unknown";
    }
    text += ", target " + field_text(mission, "target");
    if (!lead.is_null()) {
        text += ", lead " + value_text(lead);
    }
    text += ", " + field_text(mission, "steps_taken") + " steps taken";
    return text;
}

std::vector<std::string> keys_in_order(const json& object)
{
    std::vector<std::string> keys;
    if (!object.is_object()) {
        return keys;
    }
    for (const auto& item : object.items()) {
        keys.push_back(item.key());
    }
    std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
        const bool a_number = is_digits(a);
        const bool b_number = is_digits(b);
        if (a_number != b_number) {
            return a_number;
        }
        if (a_number && a.size() != b.size()) {
            return a.size() < b.size();
        }
        return a < b;
    });
    return keys;
}

const json& as_list(const json& value)
{
    static const json k_empty = json::array();
    return value.is_array() ? value : k_empty;
}

void print_json(std::ostream& out, const json& document) { out << document.dump(2) << '\n'; }

} // namespace raftescort::ctl
