#pragma once

// Durations on the command line and in the environment: "50ms", "2s", "1m",
// or a bare number, which means seconds (as in the original project's .env).

#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace raftescort::cmd {

/// Parses a duration and returns it in milliseconds.
///
/// Accepted: a non-negative decimal number with an optional unit `ms`, `s`
/// or `m`; without a unit the number is in seconds. A fraction is allowed
/// ("1.5s", "0.05") as long as the result is a whole number of milliseconds.
/// Rejected, with a message that quotes the text: empty text, a sign,
/// any other unit or trailing characters, a value that does not fit in
/// a signed 64-bit count of milliseconds.
util::Result<std::int64_t> parse_duration_ms(std::string_view text);

/// Formats milliseconds in the largest unit that keeps the value whole:
/// 300 -> "300ms", 2000 -> "2s", 120000 -> "2m". The output parses back
/// to the same value with parse_duration_ms().
std::string format_duration_ms(std::int64_t duration_ms);

} // namespace raftescort::cmd
