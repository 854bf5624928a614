#pragma once

// The banner a guided lesson (`raftescort ctl lesson run NAME`) puts on the
// dashboard through POST /lesson: which lesson, which step, what to watch
// for, and how it went. This is the body check only, pure so it can be
// tested field by field; lesson_board.hpp keeps the banner and publishes it.
//
// A body is the JSON object
//   {"lesson": NAME, "title": TEXT, "step": N, "steps": M, "heading": TEXT,
//    "text": TEXT, "state": "running"|"passed"|"failed", "detail": TEXT}
// with lesson, title, step, steps, heading and state required. Lengths are
// counted in characters (Unicode code points), so a lesson written in any
// language gets the same room.

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace raftescort::proxy {

inline constexpr std::size_t k_lesson_name_chars_max = 64;
inline constexpr std::size_t k_lesson_title_chars_max = 120;
inline constexpr std::size_t k_lesson_heading_chars_max = 200;
inline constexpr std::size_t k_lesson_text_chars_max = 2000;
inline constexpr std::size_t k_lesson_detail_chars_max = 2000;
inline constexpr std::int64_t k_lesson_steps_max = 64;

/// Every field a body may hold.
const std::set<std::string>& lesson_body_fields();

/// What a string holds, read as UTF-8.
struct TextScan {
    /// Well-formed UTF-8: no stray continuation byte, no overlong form, no
    /// surrogate, nothing past U+10FFFF.
    bool valid_utf8 = false;
    /// A control character (C0, DEL or C1), apart from the line feeds and
    /// tabs a multi-line text may hold.
    bool has_control = false;
    /// Code points; meaningful only when valid_utf8.
    std::size_t chars = 0;
};

/// Scans `text`; `multiline` lets "\n" and "\t" through as text.
TextScan scan_text(std::string_view text, bool multiline);

/// The banner a body describes: every field of the body, with "text" and
/// "detail" set to "" when absent, and nothing else. Rejected (with a
/// message that names the field and what it must be) for an unknown field,
/// a missing required one, a wrong type, a string that is not valid UTF-8
/// text or is over its length, a lesson name outside [a-z0-9-], steps
/// outside 1..64, step outside 0..steps, or a state outside the three.
util::Result<nlohmann::json> lesson_banner_from_body(const nlohmann::json& body);

} // namespace raftescort::proxy
