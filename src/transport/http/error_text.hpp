#pragma once

// Quoting untrusted input inside error messages. Decode errors end up in
// logs and in 400 responses, so they quote at most k_excerpt_bytes_max bytes
// of what a peer sent, with control and non-ASCII bytes escaped: a hostile
// body can neither flood a log nor inject terminal escapes into it.

#include <cstddef>
#include <string>
#include <string_view>

namespace raftescort::transport::http {

inline constexpr std::size_t k_excerpt_bytes_max = 40;

/// At most `bytes_max` bytes of `text`: printable ASCII kept, backslashes
/// and other bytes as \xNN, "..." appended when cut.
std::string escape_excerpt(std::string_view text, std::size_t bytes_max = k_excerpt_bytes_max);

/// escape_excerpt(text) in single quotes (a quote inside becomes \x27), for
/// naming a value in a message.
std::string excerpt(std::string_view text);

} // namespace raftescort::transport::http
