#pragma once

// The one strict reader of a decimal integer that every edge uses (a query
// parameter, a Redis value, a file name, a field of a log entry): the whole
// text is the number, or there is none.

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

namespace raftescort::util {

/// The integer that `text` is, in base 10: digits only, a leading '-' for a
/// signed type, no '+', no spaces, no leading or trailing anything, and in
/// range of T. Leading zeros are allowed ("007" is 7). Not constexpr: the
/// std::from_chars of g++ 12 is not (that came with C++23).
template <std::integral T>
std::optional<T> parse_decimal(std::string_view text)
{
    if (text.empty() || text.front() == '+') {
        return std::nullopt;
    }
    T value{};
    auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || rest != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

/// Reads the decimal at the front of `text` (digits, and a '-' for a signed
/// type) and removes it from `text`; nullopt, with `text` unchanged, if
/// there is none or it is out of range. For texts of several fields.
template <std::integral T>
std::optional<T> take_decimal(std::string_view& text)
{
    if (text.empty() || text.front() == '+') {
        return std::nullopt;
    }
    T value{};
    auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{}) {
        return std::nullopt;
    }
    text.remove_prefix(static_cast<std::size_t>(rest - text.data()));
    return value;
}

} // namespace raftescort::util
