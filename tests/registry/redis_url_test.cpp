// Tests of redis:// URL parsing (src/registry/redis/redis_url.cpp).

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using raftescort::registry::parse_redis_url;
using raftescort::util::ErrorCode;

TEST_CASE("redis url: valid forms parse", "[registry]")
{
    // Goal: every documented URL form yields host, port, credentials and db.
    struct Case {
        std::string url;
        std::string host;
        std::uint16_t port;
        std::string username;
        std::string password;
        std::uint32_t database;
    };
    const std::vector<Case> cases = {
        {"redis://127.0.0.1:6379", "127.0.0.1", 6379, "", "", 0},
        {"redis://redis", "redis", 6379, "", "", 0},
        {"redis://redis:7000/", "redis", 7000, "", "", 0},
        {"redis://redis:7000/3", "redis", 7000, "", "", 3},
        {"redis://:s3cret@redis:6380", "redis", 6380, "", "s3cret", 0},
        {"redis://alice:s3cret@redis:6380/2", "redis", 6380, "alice", "s3cret", 2},
        {"redis://:p%40ss%3Aw@h:1", "h", 1, "", "p@ss:w", 0},
        {"redis://:p@ss@h:65535", "h", 65535, "", "p@ss", 0},
        {"redis://[::1]:6379/1", "::1", 6379, "", "", 1},
    };
    for (const auto& c : cases) {
        INFO(c.url);
        auto parsed = parse_redis_url(c.url);
        REQUIRE(parsed.ok());
        CHECK(parsed.value().host == c.host);
        CHECK(parsed.value().port == c.port);
        CHECK(parsed.value().username == c.username);
        CHECK(parsed.value().password == c.password);
        CHECK(parsed.value().database == c.database);
    }
}

TEST_CASE("redis url: bad forms are refused with a reason", "[registry]")
{
    // Goal: each malformed URL fails as invalid_argument and the message names the problem.
    struct Case {
        std::string url;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"", "must start with redis://"},
        {"http://redis:6379", "must start with redis://"},
        {"rediss://redis:6379", "TLS"},
        {"redis://", "missing host"},
        {"redis://:6379", "missing host"},
        {"redis://redis:", "empty port"},
        {"redis://redis:0", "not in 1..65535"},
        {"redis://redis:65536", "not in 1..65535"},
        {"redis://redis:63x79", "not in 1..65535"},
        {"redis://redis:6379/db", "is not a number"},
        {"redis://redis:6379/-1", "is not a number"},
        {"redis://redis:6379?timeout=1", "query strings"},
        {"redis://secret@redis:6379", "':password@'"},
        {"redis://:@redis:6379", "empty password"},
        {"redis://:bad%zz@redis:6379", "percent-encoding"},
        {"redis://[::1:6379", "unterminated"},
    };
    for (const auto& c : cases) {
        INFO(c.url);
        auto parsed = parse_redis_url(c.url);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().code == ErrorCode::invalid_argument);
        CHECK_THAT(parsed.error().message, Catch::Contains("bad Redis URL"));
        CHECK_THAT(parsed.error().message, Catch::Contains(c.reason));
    }
}

TEST_CASE("redis url: redacted form hides the password", "[registry]")
{
    // Goal: the form used in logs and errors never contains the password.
    auto parsed = parse_redis_url("redis://alice:hunter2@redis:6380/4");
    REQUIRE(parsed.ok());
    CHECK(parsed.value().redacted() == "redis://alice:***@redis:6380/4");
    auto plain = parse_redis_url("redis://redis");
    REQUIRE(plain.ok());
    CHECK(plain.value().redacted() == "redis://redis:6379");
}
