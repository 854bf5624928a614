#pragma once

// CLI11 validators shared by the role commands. Each one checks a single
// option value (from a flag or from its environment variable) and, where
// the option is stored in another form, rewrites the text before CLI11
// converts it. A failed check becomes a CLI::ValidationError naming the
// option, which main() reports as a usage error.

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace raftescort::cmd {

/// A duration ("50ms", "2s", "1m", bare number = seconds), rewritten to a
/// whole number of milliseconds. With `zero_allowed` false, 0 is refused.
CLI::Validator duration_ms_validator(bool zero_allowed);

/// HOST:PORT, or a bare PORT that means 0.0.0.0:PORT (so CONTAINER_PORT,
/// which holds only a port, can feed --listen). Rewritten to HOST:PORT.
CLI::Validator listen_address_validator();

/// HOST:PORT, both parts required. HOST may be a name, an IPv4 address or
/// an IPv6 address in brackets.
CLI::Validator host_port_validator();

/// A URL whose scheme is `scheme` or, if given, `other_scheme`, with
/// something after "://".
CLI::Validator url_validator(const std::string& scheme, const std::string& other_scheme = "");

/// A positive integer that fits in 64 bits; `what` names it in messages
/// ("node id", "term").
CLI::Validator positive_integer_validator(const std::string& what);

/// A cluster name: what util::is_valid_cluster_id accepts, without ':' (it
/// splits Redis keys). Node and proxy accept exactly the same names.
CLI::Validator cluster_name_validator();

/// A cluster token: printable ASCII without spaces (it travels in an HTTP header).
CLI::Validator cluster_token_validator();

/// The shortest admin token accepted.
inline constexpr std::size_t k_admin_token_chars_min = 16;

/// An admin token: a cluster token's characters, and at least
/// k_admin_token_chars_min of them.
CLI::Validator admin_token_validator();

/// Why `token` is not a valid token (empty when it is): printable ASCII
/// without spaces, at least `chars_min` characters. `what` names it.
std::string check_token_text(std::string_view token, std::size_t chars_min,
                             const std::string& what);

} // namespace raftescort::cmd
