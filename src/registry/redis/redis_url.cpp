// Parsing of redis:// URLs and the names the registry writes into Redis.

#include <raftescort/registry/registry.hpp>
#include <raftescort/util/decimal.hpp>
#include <raftescort/util/hex.hpp>
#include <raftescort/util/host_port.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace raftescort::registry {

namespace {

using util::ErrorCode;
using util::make_error;

constexpr std::uint32_t k_database_max = 1u << 20;

util::Error url_error(std::string_view what)
{
    return make_error(ErrorCode::invalid_argument, "bad Redis URL: " + std::string(what));
}

// Credentials may carry '@', ':' or '/' only percent-encoded, as in any URL.
bool percent_decode(std::string_view text, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return false;
        }
        int high = util::hex_digit(text[i + 1]);
        int low = util::hex_digit(text[i + 2]);
        if (high < 0 || low < 0) {
            return false;
        }
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return true;
}

// The words this parser has always used for each problem, which scripts and
// tests look for; problems it never named get the shared description.
std::string describe_authority_problem(const util::HostPortReading& reading)
{
    using util::HostPortProblem;
    switch (reading.problem) {
    case HostPortProblem::host_missing: return "missing host";
    case HostPortProblem::host_malformed: return "invalid character in host '" + reading.part + "'";
    case HostPortProblem::bracket_unclosed: return "unterminated '[' in IPv6 host";
    case HostPortProblem::junk_after_bracket: return "expected ':' after ']'";
    case HostPortProblem::port_empty: return "empty port";
    case HostPortProblem::port_not_number:
    case HostPortProblem::port_out_of_range:
        return "port '" + reading.part + "' is not in 1..65535";
    default: return util::describe_host_port_problem(reading);
    }
}

// "host", "host:port", "[v6]" or "[v6]:port"; without a port, `url` keeps
// its default (Redis's 6379).
util::Status parse_authority(std::string_view authority, RedisUrl& url)
{
    util::HostPortReading reading = util::read_host_port(authority, url.port);
    if (reading.problem != util::HostPortProblem::none) {
        return url_error(describe_authority_problem(reading));
    }
    url.host = std::move(reading.address.host);
    url.port = reading.address.port;
    return util::Ok{};
}

util::Status parse_credentials(std::string_view userinfo, RedisUrl& url)
{
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
        // "redis://secret@host" is ambiguous (user or password?); redis-cli
        // and most clients want ":secret@", so say so instead of guessing.
        return url_error("credentials must be ':password@' or 'user:password@'");
    }
    if (!percent_decode(userinfo.substr(0, colon), url.username)
        || !percent_decode(userinfo.substr(colon + 1), url.password)) {
        return url_error("invalid percent-encoding in credentials");
    }
    if (url.password.empty()) {
        return url_error("empty password after ':'");
    }
    return util::Ok{};
}

} // namespace

std::string RedisUrl::redacted() const
{
    std::string out = "redis://";
    if (!password.empty()) {
        out += username + ":***@";
    }
    out += util::format_host_port(util::HostPort{host, port});
    if (database != 0) {
        out += "/" + std::to_string(database);
    }
    return out;
}

util::Result<RedisUrl> parse_redis_url(std::string_view text)
{
    constexpr std::string_view scheme = "redis://";
    if (text.substr(0, 9) == "rediss://") {
        return url_error("rediss:// (TLS) is not supported; use redis://");
    }
    if (text.substr(0, scheme.size()) != scheme) {
        return url_error("must start with redis://");
    }
    std::string_view rest = text.substr(scheme.size());
    if (rest.find_first_of("?#") != std::string_view::npos) {
        return url_error("query strings and fragments are not supported");
    }
    RedisUrl url;
    std::string_view path;
    auto slash = rest.find('/');
    if (slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    // The last '@' ends the credentials: a raw '@' in a password is common
    // enough that refusing it would only confuse.
    auto at = rest.rfind('@');
    if (at != std::string_view::npos) {
        auto status = parse_credentials(rest.substr(0, at), url);
        if (!status) {
            return status.error();
        }
        rest = rest.substr(at + 1);
    }
    auto status = parse_authority(rest, url);
    if (!status) {
        return status.error();
    }
    if (slash != std::string_view::npos && !path.empty()) {
        // Redis's own default is 16 databases; anything beyond a small
        // number is more likely a typo than a configured server.
        const std::optional<std::uint32_t> database = util::parse_decimal<std::uint32_t>(path);
        if (!database || *database > k_database_max) {
            return url_error("database '" + std::string(path) + "' is not a number");
        }
        url.database = *database;
    }
    return url;
}

const char* election_outcome_name(ElectionOutcome outcome)
{
    switch (outcome) {
    case ElectionOutcome::pending: return "pending";
    case ElectionOutcome::won: return "won";
    case ElectionOutcome::lost: return "lost";
    case ElectionOutcome::split: return "split";
    case ElectionOutcome::superseded: return "superseded";
    }
    return "unknown";
}

std::optional<ElectionOutcome> parse_election_outcome(std::string_view name)
{
    for (auto outcome : {ElectionOutcome::pending, ElectionOutcome::won, ElectionOutcome::lost,
                         ElectionOutcome::split, ElectionOutcome::superseded}) {
        if (name == election_outcome_name(outcome)) {
            return outcome;
        }
    }
    return std::nullopt;
}

const char* event_kind_name(EventKind kind)
{
    switch (kind) {
    case EventKind::role_change: return "role_change";
    case EventKind::election: return "election";
    case EventKind::membership: return "membership";
    case EventKind::applied_move: return "applied_move";
    case EventKind::fault: return "fault";
    }
    return "unknown";
}

std::optional<EventKind> parse_event_kind(std::string_view name)
{
    for (auto kind : {EventKind::role_change, EventKind::election, EventKind::membership,
                      EventKind::applied_move, EventKind::fault}) {
        if (name == event_kind_name(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

} // namespace raftescort::registry
