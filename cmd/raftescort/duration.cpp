#include "duration.hpp"

#include <limits>

namespace raftescort::cmd {

namespace {

constexpr std::int64_t k_duration_ms_max = std::numeric_limits<std::int64_t>::max();

// More fraction digits than this cannot name a whole millisecond of a minute.
constexpr std::size_t k_fraction_digits_max = 9;

util::Error duration_error(std::string_view text, std::string_view reason)
{
    return util::Error{util::ErrorCode::invalid_argument,
                       "'" + std::string(text) + "' " + std::string(reason)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Returns the unit's length in milliseconds, or 0 for an unknown unit.
std::int64_t unit_ms(std::string_view unit)
{
    if (unit.empty() || unit == "s") {
        return 1000;
    }
    if (unit == "ms") {
        return 1;
    }
    if (unit == "m") {
        return 60 * 1000;
    }
    return 0;
}

} // namespace

util::Result<std::int64_t> parse_duration_ms(std::string_view text)
{
    constexpr std::string_view k_expected =
        "is not a duration: expected a number with an optional unit ms, s or m "
        "(50ms, 2s, 1.5m; a bare number means seconds)";

    if (!text.empty() && text.front() == '-') {
        return duration_error(text, "is negative: durations cannot be negative");
    }

    // Integer part: at least one digit.
    std::size_t position = 0;
    std::int64_t whole = 0;
    bool whole_overflow = false;
    while (position < text.size() && is_digit(text[position])) {
        const int digit = text[position] - '0';
        if (whole > (k_duration_ms_max - digit) / 10) {
            whole_overflow = true;
        } else {
            whole = whole * 10 + digit;
        }
        position += 1;
    }
    if (position == 0) {
        return duration_error(text, k_expected);
    }

    // Optional fraction: a dot followed by at least one digit.
    std::int64_t fraction = 0;
    std::int64_t fraction_scale = 1;
    if (position < text.size() && text[position] == '.') {
        position += 1;
        const std::size_t fraction_start = position;
        while (position < text.size() && is_digit(text[position])) {
            if (position - fraction_start == k_fraction_digits_max) {
                return duration_error(text, "has too many decimal places");
            }
            fraction = fraction * 10 + (text[position] - '0');
            fraction_scale *= 10;
            position += 1;
        }
        if (position == fraction_start) {
            return duration_error(text, k_expected);
        }
    }

    const std::int64_t scale_ms = unit_ms(text.substr(position));
    if (scale_ms == 0) {
        return duration_error(text, k_expected);
    }
    if (whole_overflow || whole > k_duration_ms_max / scale_ms) {
        return duration_error(text, "is too large");
    }

    // fraction < 10^9 and scale_ms <= 60000, so the product fits.
    const std::int64_t fraction_ms_scaled = fraction * scale_ms;
    if (fraction_ms_scaled % fraction_scale != 0) {
        return duration_error(text, "is not a whole number of milliseconds");
    }
    const std::int64_t whole_ms = whole * scale_ms;
    const std::int64_t fraction_ms = fraction_ms_scaled / fraction_scale;
    if (whole_ms > k_duration_ms_max - fraction_ms) {
        return duration_error(text, "is too large");
    }
    const std::int64_t duration_ms = whole_ms + fraction_ms;
    RE_ASSERT(duration_ms >= 0);
    return duration_ms;
}

std::string format_duration_ms(std::int64_t duration_ms)
{
    RE_ASSERT(duration_ms >= 0);
    if (duration_ms == 0) {
        return "0ms";
    }
    if (duration_ms % (60 * 1000) == 0) {
        return std::to_string(duration_ms / (60 * 1000)) + "m";
    }
    if (duration_ms % 1000 == 0) {
        return std::to_string(duration_ms / 1000) + "s";
    }
    return std::to_string(duration_ms) + "ms";
}

} // namespace raftescort::cmd
