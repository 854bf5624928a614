#include "proxy/lesson/lesson_banner.hpp"

#include <raftescort/util/assert.hpp>

#include <array>
#include <optional>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// Longest unknown key quoted back to the client.
constexpr std::size_t k_quoted_key_bytes_max = 40;

struct TextRule {
    const char* name;
    std::size_t chars_max;
    bool required;
    /// Paragraphs may hold line feeds and tabs; one-line fields may not.
    bool multiline;
};

constexpr std::array<TextRule, 4> k_text_rules{{
    {"title", k_lesson_title_chars_max, true, false},
    {"heading", k_lesson_heading_chars_max, true, false},
    {"text", k_lesson_text_chars_max, false, true},
    {"detail", k_lesson_detail_chars_max, false, true},
}};

/// In the order the contract lists them, so the first missing one is named.
constexpr std::array<const char*, 6> k_required_fields{"lesson", "title",   "step",
                                                       "steps",  "heading", "state"};

constexpr std::array<std::string_view, 3> k_states{"running", "passed", "failed"};

bool is_control(std::uint32_t code_point)
{
    return code_point < 0x20 || code_point == 0x7f || (code_point >= 0x80 && code_point <= 0x9f);
}

/// The length of the UTF-8 sequence `lead` starts and the bits it carries;
/// length 0 for a byte that starts none (a continuation byte, C0, C1, F5..FF).
std::pair<std::size_t, std::uint32_t> sequence_start(unsigned char lead)
{
    if (lead < 0x80) {
        return {1, lead};
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
        return {2, lead & 0x1fU};
    }
    if (lead >= 0xe0 && lead <= 0xef) {
        return {3, lead & 0x0fU};
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        return {4, lead & 0x07U};
    }
    return {0, 0};
}

/// Whether a decoded sequence of `length` bytes is the shortest form of a
/// scalar value (no overlong form, no surrogate, nothing past U+10FFFF).
bool is_scalar_value(std::size_t length, std::uint32_t code_point)
{
    if (length == 3) {
        return code_point >= 0x800 && (code_point < 0xd800 || code_point > 0xdfff);
    }
    if (length == 4) {
        return code_point >= 0x10000 && code_point <= 0x10ffff;
    }
    return true;
}

/// `value` as an integer within [low, high], or nullopt (not an integer,
/// a fraction, or out of range; an unsigned value past int64 is out).
std::optional<std::int64_t> integer_within(const json& value, std::int64_t low, std::int64_t high)
{
    RE_ASSERT(low <= high);
    if (!value.is_number_integer()) {
        return std::nullopt;
    }
    const auto high_unsigned = static_cast<std::uint64_t>(high);
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > high_unsigned) {
        return std::nullopt;
    }
    const auto number = value.get<std::int64_t>();
    if (number < low || number > high) {
        return std::nullopt;
    }
    return number;
}

util::Error refused(const std::string& message)
{
    return util::make_error(util::ErrorCode::invalid_argument, message);
}

std::string field(const char* name) { return std::string("field \"") + name + "\""; }

/// The first refusal of a text field, or nullopt when it is fine or absent
/// (absent required fields are named before this runs).
std::optional<util::Error> check_text(const json& body, const TextRule& rule)
{
    const auto it = body.find(rule.name);
    if (it == body.end()) {
        return std::nullopt;
    }
    if (!it->is_string()) {
        return refused(field(rule.name) + " must be a string");
    }
    const TextScan scan = scan_text(it->get_ref<const std::string&>(), rule.multiline);
    if (!scan.valid_utf8) {
        return refused(field(rule.name) + " must be valid UTF-8");
    }
    if (scan.has_control) {
        return refused(field(rule.name)
                       + (rule.multiline ? " may hold no control character but line feeds and tabs"
                                         : " must be one line without control characters"));
    }
    if (scan.chars > rule.chars_max) {
        return refused(field(rule.name) + " must be at most " + std::to_string(rule.chars_max)
                       + " characters, not " + std::to_string(scan.chars));
    }
    return std::nullopt;
}

bool is_lesson_name(const std::string& name)
{
    if (name.empty() || name.size() > k_lesson_name_chars_max) {
        return false;
    }
    for (const char c : name) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

/// Unknown and missing fields, named.
std::optional<util::Error> check_field_names(const json& body)
{
    const std::set<std::string>& known = lesson_body_fields();
    for (const auto& item : body.items()) {
        if (known.count(item.key()) == 0) {
            return refused("unknown field \"" + item.key().substr(0, k_quoted_key_bytes_max)
                           + "\" (known: lesson, title, step, steps, heading, text, state, "
                             "detail)");
        }
    }
    for (const char* name : k_required_fields) {
        if (!body.contains(name)) {
            return refused(std::string("missing field \"") + name + "\"");
        }
    }
    return std::nullopt;
}

} // namespace

const std::set<std::string>& lesson_body_fields()
{
    static const std::set<std::string> fields{"lesson",  "title", "step",  "steps",
                                              "heading", "text",  "state", "detail"};
    return fields;
}

TextScan scan_text(std::string_view text, bool multiline)
{
    TextScan scan;
    std::size_t at = 0;
    while (at < text.size()) {
        auto [length, code_point] = sequence_start(static_cast<unsigned char>(text[at]));
        if (length == 0 || at + length > text.size()) {
            return scan;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[at + k]);
            if ((byte & 0xc0U) != 0x80U) {
                return scan;
            }
            code_point = (code_point << 6U) | (byte & 0x3fU);
        }
        if (!is_scalar_value(length, code_point)) {
            return scan;
        }
        const bool layout = multiline && (code_point == '\n' || code_point == '\t');
        if (is_control(code_point) && !layout) {
            scan.has_control = true;
        }
        ++scan.chars;
        at += length;
    }
    RE_ASSERT(at == text.size());
    scan.valid_utf8 = true;
    return scan;
}

util::Result<json> lesson_banner_from_body(const json& body)
{
    if (!body.is_object()) {
        return refused("the body must be a JSON object");
    }
    if (std::optional<util::Error> error = check_field_names(body)) {
        return *error;
    }
    const json& lesson = body["lesson"];
    if (!lesson.is_string() || !is_lesson_name(lesson.get<std::string>())) {
        return refused(field("lesson") + " must be 1 to 64 characters of a-z, 0-9 and \"-\"");
    }
    for (const TextRule& rule : k_text_rules) {
        if (std::optional<util::Error> error = check_text(body, rule)) {
            return *error;
        }
    }
    const std::optional<std::int64_t> steps = integer_within(body["steps"], 1, k_lesson_steps_max);
    if (!steps) {
        return refused(field("steps") + " must be an integer from 1 to "
                       + std::to_string(k_lesson_steps_max));
    }
    const std::optional<std::int64_t> step = integer_within(body["step"], 0, *steps);
    if (!step) {
        return refused(field("step") + " must be an integer from 0 to steps ("
                       + std::to_string(*steps) + ")");
    }
    const json& state = body["state"];
    bool known_state = false;
    for (std::string_view name : k_states) {
        known_state = known_state || (state.is_string() && state.get<std::string>() == name);
    }
    if (!known_state) {
        return refused(field("state") + " must be \"running\", \"passed\" or \"failed\"");
    }
    RE_ASSERT(*step <= *steps);
    return json{{"lesson", lesson},
                {"title", body["title"]},
                {"step", *step},
                {"steps", *steps},
                {"heading", body["heading"]},
                {"text", body.value("text", "")},
                {"state", state},
                {"detail", body.value("detail", "")}};
}

} // namespace raftescort::proxy
