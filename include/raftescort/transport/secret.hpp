#pragma once

// Shared secrets (the admin token, the cluster token): making them and
// comparing them. Randomness comes from std::random_device, the kernel's
// source, which is why this lives at the transport edge and never in the
// pure core (src/raft, src/escort, include/raftescort/util).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace raftescort::transport {

/// Random bytes in a generated token: 256 bits, as many as a guesser would
/// have to search.
inline constexpr std::size_t k_secret_bytes = 32;

/// True when `expected` and `given` are the same bytes. Every byte of the
/// longer one is looked at whatever the first mismatch, so the time taken
/// tells a guesser nothing about how much of a guess was right. (A length
/// mismatch is still visible in the time; generated tokens all have one
/// length, so it says nothing useful.)
bool secrets_equal(std::string_view expected, std::string_view given);

/// `bytes` random bytes from std::random_device, as 2 * bytes lowercase hex
/// characters (safe in a header, a URL fragment and a file). `bytes` >= 1.
std::string generate_secret_hex(std::size_t bytes = k_secret_bytes);

/// The token of an Authorization header value "Bearer TOKEN" (the scheme's
/// case is ignored, as RFC 7235 says); nullopt for any other value.
std::optional<std::string_view> bearer_token(std::string_view authorization);

} // namespace raftescort::transport
