#pragma once

// Strict base64 (RFC 4648 §4: standard alphabet, '=' padding) for the
// arbitrary bytes of entries and snapshot chunks inside JSON strings.

#include <raftescort/util/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace raftescort::transport::http {

/// Length of the base64 text for `byte_count` bytes: 4 characters per 3
/// bytes, rounded up.
constexpr std::size_t base64_encoded_size(std::size_t byte_count)
{
    return (byte_count + 2) / 3 * 4;
}

/// Encodes `bytes` with padding; the result is plain ASCII.
std::string base64_encode(std::string_view bytes);

/// Decodes canonical base64 only: the length is a multiple of 4, every
/// character is in the alphabet, '=' appears only as one or two final
/// characters, and the unused bits before the padding are zero. Accepting
/// exactly one text per byte string keeps decode(encode(x)) == x the only
/// round trip and leaves no room for two peers to disagree. Errors say what
/// was wrong and at which offset, without quoting the text.
util::Result<std::string> base64_decode(std::string_view text);

} // namespace raftescort::transport::http
