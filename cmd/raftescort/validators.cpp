#include "validators.hpp"

#include <raftescort/util/cluster_id.hpp>

#include "duration.hpp"

#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>
#include <raftescort/util/host_port.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace raftescort::cmd {

namespace {

bool is_digits(std::string_view text)
{
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

bool has_space(std::string_view text)
{
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            return true;
        }
    }
    return false;
}

// Returns an empty string if `text` is a port number 1..65535, else why not.
std::string check_port(std::string_view text)
{
    const util::Result<std::uint16_t> port = util::parse_port(text);
    return port.ok() ? "" : port.error().message;
}

// Returns an empty string if `text` is HOST:PORT, else why not. The reason
// follows the value and "HOST:PORT", which is what scripts look for.
std::string check_host_port(std::string_view text)
{
    const util::Result<util::HostPort> address = util::parse_host_port(text);
    if (address.ok()) {
        return "";
    }
    return "'" + std::string(text) + "' is not HOST:PORT: " + address.error().message;
}

} // namespace

CLI::Validator duration_ms_validator(bool zero_allowed)
{
    return CLI::Validator(
        [zero_allowed](std::string& text) -> std::string {
            const auto duration_ms = parse_duration_ms(text);
            if (!duration_ms.ok()) {
                return duration_ms.error().message;
            }
            if (!zero_allowed && duration_ms.value() == 0) {
                return "'" + text + "' is zero: this duration must be greater than zero";
            }
            text = std::to_string(duration_ms.value());
            return "";
        },
        "", "DURATION");
}

CLI::Validator listen_address_validator()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (is_digits(text)) {
                std::string why = check_port(text);
                if (why.empty()) {
                    text = "0.0.0.0:" + text;
                }
                return why;
            }
            return check_host_port(text);
        },
        "", "LISTEN_ADDRESS");
}

CLI::Validator host_port_validator()
{
    return CLI::Validator([](std::string& text) { return check_host_port(text); }, "", "HOST_PORT");
}

CLI::Validator url_validator(const std::string& scheme, const std::string& other_scheme)
{
    RE_ASSERT(!scheme.empty());
    return CLI::Validator(
        [scheme, other_scheme](std::string& text) -> std::string {
            std::string expected = "a " + scheme + ":// URL";
            if (!other_scheme.empty()) {
                expected = "a " + scheme + ":// or " + other_scheme + ":// URL";
            }
            const std::size_t separator = text.find("://");
            if (separator == std::string::npos || separator + 3 == text.size() || has_space(text)) {
                return "'" + text + "' is not " + expected;
            }
            const std::string given = text.substr(0, separator);
            if (given != scheme && (other_scheme.empty() || given != other_scheme)) {
                return "'" + text + "' is not " + expected;
            }
            return "";
        },
        "", "URL");
}

CLI::Validator positive_integer_validator(const std::string& what)
{
    return CLI::Validator(
        [what](std::string& text) -> std::string {
            const std::string why = "'" + text + "' is not a " + what + " (a positive integer)";
            if (!is_digits(text)) {
                return why;
            }
            std::optional<std::uint64_t> value = util::parse_decimal<std::uint64_t>(text);
            if (!value) {
                return "'" + text + "' is too large for a " + what;
            }
            return *value == 0 ? why : "";
        },
        "", "POSITIVE_INTEGER");
}

CLI::Validator cluster_name_validator()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (!util::is_valid_cluster_id(text) || text.find(':') != std::string::npos) {
                return "a cluster name is 1..128 printable characters without spaces or ':'";
            }
            return "";
        },
        "", "NAME");
}

std::string check_token_text(std::string_view token, std::size_t chars_min, const std::string& what)
{
    for (const char c : token) {
        if (c <= ' ' || c >= 0x7F) {
            return "a " + what
                   + " is printable ASCII without spaces (it travels in an HTTP "
                     "header)";
        }
    }
    if (token.size() < chars_min) {
        return "a " + what + " has at least " + std::to_string(chars_min)
               + " characters, so that it cannot be guessed (this one has "
               + std::to_string(token.size()) + "); 'openssl rand -hex 32' makes a good one";
    }
    return "";
}

CLI::Validator cluster_token_validator()
{
    return CLI::Validator(
        [](std::string& text) { return check_token_text(text, 1, "cluster token"); }, "", "TOKEN");
}

CLI::Validator admin_token_validator()
{
    return CLI::Validator(
        [](std::string& text) {
            return check_token_text(text, k_admin_token_chars_min, "admin token");
        },
        "", "TOKEN");
}

} // namespace raftescort::cmd
