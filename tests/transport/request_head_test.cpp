// Tests of reading a request head (src/transport/http/request_head.hpp): the
// scanner finds the end of a head however the bytes arrive and refuses heads
// over the limits; the parser accepts what clients send and refuses what
// could be read two ways.

#include "transport/http/request_head.hpp"

#include <catch2/catch.hpp>

#include <string>

using raftescort::transport::http::HeadError;
using raftescort::transport::http::HeadLimits;
using raftescort::transport::http::HeadScanner;
using raftescort::transport::http::parse_head;
using raftescort::transport::http::parse_query;
using raftescort::transport::http::percent_decode;
using raftescort::transport::http::RequestHead;

namespace {

/// Parses `text`, which must be a complete head; the status it was refused
/// with, or 0 when it was accepted (into `head`).
int parse_status(const std::string& text, RequestHead& head)
{
    HeadError error;
    std::optional<RequestHead> parsed = parse_head(text, HeadLimits{}, error);
    if (!parsed) {
        INFO(error.message);
        CHECK(!error.message.empty());
        return error.status;
    }
    head = std::move(*parsed);
    return 0;
}

int parse_status(const std::string& text)
{
    RequestHead head;
    return parse_status(text, head);
}

} // namespace

TEST_CASE("request head: the scanner finds the end however the bytes arrive", "[transport][http]")
{
    const std::string head = "POST /move?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n";
    const std::string text = head + "{}";
    SECTION("all at once")
    {
        HeadScanner scanner;
        REQUIRE(scanner.scan(text, HeadLimits{}) == HeadScanner::State::complete);
        CHECK(scanner.head_bytes() == head.size());
    }
    SECTION("a byte at a time")
    {
        HeadScanner scanner;
        std::size_t fed = 0;
        HeadScanner::State state = HeadScanner::State::incomplete;
        while (state == HeadScanner::State::incomplete && fed < text.size()) {
            ++fed;
            state = scanner.scan(std::string_view(text).substr(0, fed), HeadLimits{});
        }
        REQUIRE(state == HeadScanner::State::complete);
        CHECK(fed == head.size());
        CHECK(scanner.head_bytes() == head.size());
    }
    SECTION("bare LF line ends, and blank lines before the request line")
    {
        HeadScanner scanner;
        const std::string lf = "\r\n\nGET / HTTP/1.0\nA: b\n\n";
        REQUIRE(scanner.scan(lf, HeadLimits{}) == HeadScanner::State::complete);
        CHECK(scanner.head_bytes() == lf.size());
        RequestHead parsed;
        REQUIRE(parse_status(lf, parsed) == 0);
        CHECK(parsed.method == "GET");
        CHECK(parsed.headers.find("a")->second == "b");
    }
    SECTION("an unfinished head is incomplete")
    {
        HeadScanner scanner;
        CHECK(scanner.scan("GET / HTTP/1.1\r\nHost: a\r\n", HeadLimits{})
              == HeadScanner::State::incomplete);
        CHECK(scanner.started());
    }
}

TEST_CASE("request head: the scanner refuses heads over the limits before they end",
          "[transport][http]")
{
    HeadLimits limits;
    limits.request_line_bytes_max = 64;
    limits.header_line_bytes_max = 32;
    limits.header_count_max = 3;
    limits.head_bytes_max = 200;
    HeadScanner scanner;
    SECTION("a long request line is 414 while it is still open")
    {
        REQUIRE(scanner.scan("GET /" + std::string(70, 'a'), limits)
                == HeadScanner::State::refused);
        CHECK(scanner.error().status == 414);
    }
    SECTION("a long header line is 431 while it is still open")
    {
        REQUIRE(scanner.scan("GET / HTTP/1.1\r\nX: " + std::string(40, 'a'), limits)
                == HeadScanner::State::refused);
        CHECK(scanner.error().status == 431);
    }
    SECTION("too many headers is 431")
    {
        std::string text = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 4; ++i) {
            text += "X" + std::to_string(i) + ": 1\r\n";
        }
        REQUIRE(scanner.scan(text, limits) == HeadScanner::State::refused);
        CHECK(scanner.error().status == 431);
    }
    SECTION("a head over its total is 431, even of blank lines")
    {
        std::string blank_lines;
        for (int i = 0; i < 150; ++i) {
            blank_lines += "\r\n";
        }
        REQUIRE(scanner.scan(blank_lines, limits) == HeadScanner::State::refused);
        CHECK(scanner.error().status == 431);
    }
    SECTION("exactly at the limits is fine")
    {
        std::string text = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 3; ++i) {
            text += "X" + std::to_string(i) + ": 1\r\n";
        }
        text += "\r\n";
        CHECK(scanner.scan(text, limits) == HeadScanner::State::complete);
    }
}

TEST_CASE("request head: what clients send is understood", "[transport][http]")
{
    RequestHead head;
    SECTION("method, decoded path, raw query, headers")
    {
        REQUIRE(parse_status("GET /nodes/%41b?ip=1.2.3.4%3A5&x=1 HTTP/1.1\r\nHost: h\r\n"
                             "Accept:  text/html \r\n\r\n",
                             head)
                == 0);
        CHECK(head.method == "GET");
        CHECK(head.path == "/nodes/Ab");
        CHECK(head.query == "ip=1.2.3.4%3A5&x=1");
        CHECK(head.target == "/nodes/%41b?ip=1.2.3.4%3A5&x=1");
        CHECK(head.version == "HTTP/1.1");
        CHECK(head.headers.find("accept")->second == "text/html");
        CHECK(head.keep_alive);
        CHECK(head.content_length == 0);
    }
    SECTION("bytes that are not UTF-8 decode as bytes; the router just finds no route")
    {
        REQUIRE(parse_status("GET /%FF%C3 HTTP/1.1\r\n\r\n", head) == 0);
        CHECK(head.path == "/\xff\xc3");
    }
    SECTION("absolute form")
    {
        REQUIRE(parse_status("GET http://example:8888/status?a=1 HTTP/1.1\r\n\r\n", head) == 0);
        CHECK(head.path == "/status");
        CHECK(head.query == "a=1");
    }
    SECTION("a later HTTP/1.x is served as 1.1")
    {
        REQUIRE(parse_status("GET / HTTP/1.2\r\n\r\n", head) == 0);
        CHECK(head.version == "HTTP/1.1");
        CHECK(head.keep_alive);
    }
    SECTION("HTTP/1.0 closes unless asked to keep alive")
    {
        REQUIRE(parse_status("GET / HTTP/1.0\r\n\r\n", head) == 0);
        CHECK_FALSE(head.keep_alive);
        REQUIRE(parse_status("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", head) == 0);
        CHECK(head.keep_alive);
        REQUIRE(parse_status("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", head) == 0);
        CHECK_FALSE(head.keep_alive);
    }
    SECTION("Content-Length, repeated with the same value, and 100-continue")
    {
        REQUIRE(parse_status("POST / HTTP/1.1\r\nContent-Length: 12\r\ncontent-length: 12\r\n"
                             "Expect: 100-Continue\r\n\r\n",
                             head)
                == 0);
        CHECK(head.content_length == 12);
        CHECK(head.expect_continue);
    }
}

TEST_CASE("request head: what could be read two ways is refused, naming the problem",
          "[transport][http]")
{
    struct Case {
        const char* text;
        int status;
    };
    const Case cases[] = {
        {"GET /\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1 \r\n\r\n", 400},
        {"G(T / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\n\r\n", 400},
        {"GET / HTTP/0.9\r\n\r\n", 400},
        {"GET / HTTX/1.1\r\n\r\n", 400},
        {"GET a HTTP/1.1\r\n\r\n", 400},
        {"GET /a\x01 HTTP/1.1\r\n\r\n", 400},
        {"GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 400},
        {"GET /%G1 HTTP/1.1\r\n\r\n", 400},
        {"GET /%4 HTTP/1.1\r\n\r\n", 400},
        {"GET /a%00b HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA : b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n: b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", 411},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", 417},
        {"\r\n\r\n", 400},
    };
    for (const Case& test : cases) {
        INFO(test.text);
        CHECK(parse_status(test.text) == test.status);
    }
}

TEST_CASE("request head: percent-decoding and the query string", "[transport][http]")
{
    CHECK(percent_decode("a%20b+c", false) == "a b+c");
    CHECK(percent_decode("a%20b+c", true) == "a b c");
    CHECK(percent_decode("%ff%FF", false) == std::string("\xff\xff"));
    CHECK_FALSE(percent_decode("%", false));
    CHECK_FALSE(percent_decode("%a", true));
    CHECK_FALSE(percent_decode("%zz", true));
    CHECK_FALSE(percent_decode("%00", true));

    auto params = parse_query("a=1&b=&c&&d=x%3Dy+z&a=2");
    REQUIRE(params);
    CHECK(params->count("a") == 2);
    CHECK(params->find("b")->second.empty());
    CHECK(params->find("c")->second.empty());
    CHECK(params->find("d")->second == "x=y z");
    CHECK_FALSE(parse_query("a=%"));
    CHECK_FALSE(parse_query("%zz=1"));
    CHECK(parse_query("")->empty());
}
