#pragma once

// Hex digits, for the percent-decoders of URLs (the Redis URL, a request's
// path and query).

namespace raftescort::util {

/// 0..15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for anything else.
constexpr int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static_assert(hex_digit('0') == 0 && hex_digit('f') == 15 && hex_digit('F') == 15);
static_assert(hex_digit('g') == -1 && hex_digit('%') == -1);

} // namespace raftescort::util
