// Unit tests of the one HOST:PORT reader (util/host_port.hpp).

#include <raftescort/util/host_port.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using raftescort::util::ErrorCode;
using raftescort::util::format_host_port;
using raftescort::util::HostPort;
using raftescort::util::HostPortProblem;
using raftescort::util::parse_host_port;
using raftescort::util::parse_port;
using raftescort::util::read_host_port;

TEST_CASE("parse_host_port accepts names, IPv4 and bracketed IPv6", "[util][host_port]")
{
    // Goal: every form an operator writes reads as the host to connect to
    // (IPv6 without brackets) and the port. Method: one table of texts.
    struct Case {
        std::string text;
        HostPort address;
    };
    const std::vector<Case> cases = {
        {"host:5000", {"host", 5000}},
        {"1.2.3.4:5000", {"1.2.3.4", 5000}},
        {"node-1.raft_net:65535", {"node-1.raft_net", 65535}},
        {"localhost:1", {"localhost", 1}},
        {"h:00080", {"h", 80}},
        {"[::1]:5000", {"::1", 5000}},
        {"[fe80::1:2]:80", {"fe80::1:2", 80}},
        {"[::ffff:1.2.3.4]:80", {"::ffff:1.2.3.4", 80}},
        {std::string(253, 'a') + ":80", {std::string(253, 'a'), 80}},
    };
    for (const Case& c : cases) {
        INFO('"' << c.text << '"');
        auto parsed = parse_host_port(c.text);
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == c.address);
    }
}

TEST_CASE("parse_host_port uses the default port only when none is written", "[util][host_port]")
{
    // Goal: URLs whose port is optional ("redis://redis", "http://[::1]")
    // get the caller's default, and a written port still wins. Method: the
    // same texts with and without a default.
    CHECK(parse_host_port("redis", 6379).value() == HostPort{"redis", 6379});
    CHECK(parse_host_port("[::1]", 80).value() == HostPort{"::1", 80});
    CHECK(parse_host_port("redis:7000", 6379).value() == HostPort{"redis", 7000});
    CHECK(parse_host_port("[::1]:8080", 80).value() == HostPort{"::1", 8080});
    auto no_default = parse_host_port("redis");
    REQUIRE_FALSE(no_default.ok());
    CHECK(no_default.error().message == "the port is missing");
    CHECK_FALSE(parse_host_port("[::1]").ok());
    // A default does not excuse a written but empty port.
    CHECK_FALSE(parse_host_port("redis:", 6379).ok());
}

TEST_CASE("parse_host_port refuses each malformed form, naming the problem", "[util][host_port]")
{
    // Goal: every refusal is invalid_argument, its message says which part
    // is wrong, and read_host_port() reports the rule callers map to their
    // own words. Method: one bad text per rule.
    struct Case {
        std::string text;
        HostPortProblem problem;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"", HostPortProblem::host_missing, "the host is missing"},
        {":80", HostPortProblem::host_missing, "the host is missing"},
        {"[]:80", HostPortProblem::host_missing, "the host is missing"},
        {"host:", HostPortProblem::port_empty, "the port is empty"},
        {"[::1]:", HostPortProblem::port_empty, "the port is empty"},
        {"host:80x", HostPortProblem::port_not_number, "'80x' is not a port number (1-65535)"},
        {"host:-1", HostPortProblem::port_not_number, "'-1' is not a port number (1-65535)"},
        {"host:+80", HostPortProblem::port_not_number, "'+80' is not a port number (1-65535)"},
        {"host:8 0", HostPortProblem::port_not_number, "'8 0' is not a port number (1-65535)"},
        {"host:0", HostPortProblem::port_out_of_range, "port 0 is out of range (1-65535)"},
        {"host:65536", HostPortProblem::port_out_of_range, "port 65536 is out of range (1-65535)"},
        {"host:123456", HostPortProblem::port_out_of_range,
         "port 123456 is out of range (1-65535)"},
        {"::1:5000", HostPortProblem::ipv6_without_brackets,
         "an IPv6 host goes in brackets, as in [::1]:5000"},
        {"http://host:80", HostPortProblem::ipv6_without_brackets,
         "an IPv6 host goes in brackets, as in [::1]:5000"},
        {"[::1:80", HostPortProblem::bracket_unclosed, "the '[' of an IPv6 host has no ']'"},
        {"[::1]80", HostPortProblem::junk_after_bracket, "'80' follows ']' where ':PORT' goes"},
        {"[host]:80", HostPortProblem::host_malformed,
         "'host' is not a host name (letters, digits, '-', '.', '_') or an IPv6 address"},
        {"[12]:80", HostPortProblem::host_malformed,
         "'12' is not a host name (letters, digits, '-', '.', '_') or an IPv6 address"},
        {"ho st:80", HostPortProblem::host_malformed,
         "'ho st' is not a host name (letters, digits, '-', '.', '_') or an IPv6 address"},
        {"user@host:80", HostPortProblem::host_malformed,
         "'user@host' is not a host name (letters, digits, '-', '.', '_') or an IPv6 address"},
        {std::string(254, 'a') + ":80", HostPortProblem::host_too_long,
         "the host is longer than 253 bytes"},
        {"host", HostPortProblem::port_missing, "the port is missing"},
    };
    for (const Case& c : cases) {
        INFO('"' << c.text << '"');
        CHECK(read_host_port(c.text).problem == c.problem);
        auto parsed = parse_host_port(c.text);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().code == ErrorCode::invalid_argument);
        CHECK(parsed.error().message == c.message);
    }
    // Control characters never pass into a host, so none reach a log line.
    CHECK(read_host_port("host\r\n:80").problem == HostPortProblem::host_malformed);
}

TEST_CASE("parse_port reads a lone port by the same rules", "[util][host_port]")
{
    // Goal: a bare "--listen 5000" is checked exactly like the port of
    // HOST:PORT. Method: good and bad lone ports.
    CHECK(parse_port("5000").value() == 5000);
    CHECK(parse_port("65535").value() == 65535);
    CHECK(parse_port("70000").error().message == "port 70000 is out of range (1-65535)");
    CHECK(parse_port("0").error().message == "port 0 is out of range (1-65535)");
    CHECK(parse_port("5k").error().message == "'5k' is not a port number (1-65535)");
    CHECK(parse_port("").error().message == "the port is empty");
}

TEST_CASE("format_host_port writes what parse_host_port reads back", "[util][host_port]")
{
    // Goal: an address printed for a log or a URL can be read again, which
    // for IPv6 needs the brackets back. Method: format, then parse.
    const std::vector<HostPort> addresses = {
        {"host", 5000},
        {"1.2.3.4", 1},
        {"::1", 5000},
        {"fe80::1:2", 65535},
    };
    for (const HostPort& address : addresses) {
        const std::string text = format_host_port(address);
        INFO(text);
        auto parsed = parse_host_port(text);
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == address);
    }
    CHECK(format_host_port({"::1", 5000}) == "[::1]:5000");
    CHECK(format_host_port({"host", 80}) == "host:80");
}
