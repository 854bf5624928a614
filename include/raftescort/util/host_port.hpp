#pragma once

// The one reader of HOST:PORT that every edge uses (--listen, --advertise,
// ctl's --proxy, a redis:// URL, a peer's address header), so that an
// address one part accepts is never refused by another.

#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>
#include <raftescort/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace raftescort::util {

/// An address to connect to or bind to. `host` is a host name, an IPv4
/// address or an IPv6 address without its brackets; `port` is 1..65535.
struct HostPort {
    std::string host;
    std::uint16_t port = 0;

    bool operator==(const HostPort&) const = default;
};

/// The rule a text broke when it is not HOST[:PORT]. Callers that must keep
/// their own words map it; the others use describe_host_port_problem().
enum class HostPortProblem {
    none,
    /// Nothing before ':' (":80", "[]:80", "").
    host_missing,
    /// A character no host name has ("user@host", "ho st"), or brackets
    /// around something other than an IPv6 address ("[host]:80").
    host_malformed,
    /// Longer than DNS's 253 bytes.
    host_too_long,
    /// "::1:80": which colon starts the port cannot be told.
    ipv6_without_brackets,
    /// "[::1:80".
    bracket_unclosed,
    /// "[::1]80": after ']' only ":PORT" (or nothing) may follow.
    junk_after_bracket,
    /// "host", and the caller has no default port.
    port_missing,
    /// "host:".
    port_empty,
    /// "host:8x", "host:-1", "host:+80".
    port_not_number,
    /// "host:0", "host:65536".
    port_out_of_range,
};

/// A text read as HOST[:PORT]: the address when `problem` is none, else the
/// rule it broke and `part`, the host or port text that broke it.
struct HostPortReading {
    HostPort address;
    HostPortProblem problem = HostPortProblem::none;
    std::string part;
};

/// 253 is DNS's limit for a whole name.
inline constexpr std::size_t k_host_bytes_max = 253;

namespace host_port_detail {

// Letters, digits, '-', '.', '_': the address may come from an untrusted
// header and ends up in logs, so nothing else passes.
constexpr bool is_host_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
           || c == '.' || c == '_';
}

// Hex digits and ':', plus '.' for an embedded IPv4 ("::ffff:1.2.3.4").
constexpr bool is_ipv6_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
           || c == '.';
}

constexpr bool all_of(std::string_view text, bool (*allowed)(char))
{
    for (const char c : text) {
        if (!allowed(c)) {
            return false;
        }
    }
    return true;
}

inline HostPortReading refuse(HostPortProblem problem, std::string_view part)
{
    RE_ASSERT(problem != HostPortProblem::none);
    HostPortReading reading;
    reading.problem = problem;
    reading.part = std::string(part);
    return reading;
}

// Brackets hold an IPv6 address only, and an IPv6 address always has a colon.
inline HostPortProblem check_host(std::string_view host, bool bracketed)
{
    if (host.empty()) {
        return HostPortProblem::host_missing;
    }
    if (host.size() > k_host_bytes_max) {
        return HostPortProblem::host_too_long;
    }
    if (bracketed) {
        const bool ipv6 = host.find(':') != std::string_view::npos && all_of(host, is_ipv6_char);
        return ipv6 ? HostPortProblem::none : HostPortProblem::host_malformed;
    }
    return all_of(host, is_host_name_char) ? HostPortProblem::none
                                           : HostPortProblem::host_malformed;
}

inline HostPortProblem check_port(std::string_view text, std::uint16_t& port)
{
    if (text.empty()) {
        return HostPortProblem::port_empty;
    }
    const bool digits = text.find_first_not_of("0123456789") == std::string_view::npos;
    if (!digits) {
        return HostPortProblem::port_not_number;
    }
    // All digits, so a failed read means too large for 16 bits.
    const std::optional<std::uint16_t> value = parse_decimal<std::uint16_t>(text);
    if (!value || *value == 0) {
        return HostPortProblem::port_out_of_range;
    }
    port = *value;
    return HostPortProblem::none;
}

} // namespace host_port_detail

/// Reads "host:port", "1.2.3.4:port", "[v6]:port", or, when `default_port`
/// is given, the same without ":port". The port is decimal 1..65535
/// (leading zeros allowed); an IPv6 host needs its brackets, which the
/// address does not keep.
inline HostPortReading read_host_port(std::string_view text,
                                      std::optional<std::uint16_t> default_port = std::nullopt)
{
    using host_port_detail::refuse;
    std::string_view host;
    std::optional<std::string_view> port_text;
    const bool bracketed = !text.empty() && text.front() == '[';
    if (bracketed) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return refuse(HostPortProblem::bracket_unclosed, text);
        }
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            return refuse(HostPortProblem::junk_after_bracket, rest);
        }
        if (!rest.empty()) {
            port_text = rest.substr(1);
        }
    } else {
        const std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        if (colon != std::string_view::npos) {
            // A second colon is an IPv6 address without brackets.
            if (text.find(':', colon + 1) != std::string_view::npos) {
                return refuse(HostPortProblem::ipv6_without_brackets, text);
            }
            port_text = text.substr(colon + 1);
        }
    }
    const HostPortProblem host_problem = host_port_detail::check_host(host, bracketed);
    if (host_problem != HostPortProblem::none) {
        return refuse(host_problem, host);
    }
    HostPortReading reading;
    reading.address.host = std::string(host);
    if (!port_text) {
        if (!default_port) {
            return refuse(HostPortProblem::port_missing, text);
        }
        reading.address.port = *default_port;
    } else {
        const HostPortProblem port_problem =
            host_port_detail::check_port(*port_text, reading.address.port);
        if (port_problem != HostPortProblem::none) {
            return refuse(port_problem, *port_text);
        }
    }
    RE_ASSERT(!reading.address.host.empty());
    RE_ASSERT(reading.address.port != 0);
    return reading;
}

/// Why a reading failed, in words that name the part at fault.
inline std::string describe_host_port_problem(const HostPortReading& reading)
{
    const std::string quoted = "'" + reading.part + "'";
    switch (reading.problem) {
    case HostPortProblem::none: break;
    case HostPortProblem::host_missing: return "the host is missing";
    case HostPortProblem::host_malformed:
        return quoted + " is not a host name (letters, digits, '-', '.', '_') or an IPv6 address";
    case HostPortProblem::host_too_long:
        return "the host is longer than " + std::to_string(k_host_bytes_max) + " bytes";
    case HostPortProblem::ipv6_without_brackets:
        return "an IPv6 host goes in brackets, as in [::1]:5000";
    case HostPortProblem::bracket_unclosed: return "the '[' of an IPv6 host has no ']'";
    case HostPortProblem::junk_after_bracket: return quoted + " follows ']' where ':PORT' goes";
    case HostPortProblem::port_missing: return "the port is missing";
    case HostPortProblem::port_empty: return "the port is empty";
    case HostPortProblem::port_not_number: return quoted + " is not a port number (1-65535)";
    case HostPortProblem::port_out_of_range:
        return "port " + reading.part + " is out of range (1-65535)";
    }
    RE_ASSERT(reading.problem != HostPortProblem::none);
    return "";
}

/// read_host_port() as a Result: an invalid_argument error whose message
/// names the problem.
inline Result<HostPort> parse_host_port(std::string_view text,
                                        std::optional<std::uint16_t> default_port = std::nullopt)
{
    HostPortReading reading = read_host_port(text, default_port);
    if (reading.problem != HostPortProblem::none) {
        return make_error(ErrorCode::invalid_argument, describe_host_port_problem(reading));
    }
    return std::move(reading.address);
}

/// A port alone ("5000"), by the same rules as the port of parse_host_port().
inline Result<std::uint16_t> parse_port(std::string_view text)
{
    std::uint16_t port = 0;
    const HostPortProblem problem = host_port_detail::check_port(text, port);
    if (problem != HostPortProblem::none) {
        return make_error(ErrorCode::invalid_argument, describe_host_port_problem(HostPortReading{
                                                           {}, problem, std::string(text)}));
    }
    RE_ASSERT(port != 0);
    return port;
}

/// "host:port", with an IPv6 host back in brackets: what parse_host_port()
/// reads back as `address`. It formats any HostPort, even an empty one, as
/// it is used on log paths where refusing would hide the real error.
inline std::string format_host_port(const HostPort& address)
{
    const bool ipv6 = address.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + address.host + "]" : address.host;
    return host + ":" + std::to_string(address.port);
}

} // namespace raftescort::util
