// ctl's HTTP client against an in-process fake proxy: the envelope's data
// on success, and for every failure an Error whose code decides the exit
// status and whose message is one line that says what went wrong.

#include "ctl/client.hpp"
#include "ctl/fake_proxy.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

using namespace raftescort::ctl;
using namespace raftescort::ctl::testing;
using raftescort::util::ErrorCode;

namespace {

std::unique_ptr<ProxyClient> open_client(const std::string& url,
                                         const std::string& admin_token = "")
{
    auto client = ProxyClient::open(ProxyClientOptions{url, admin_token, "", "9.9.9"});
    REQUIRE(client.ok());
    return std::move(client.value());
}

} // namespace

TEST_CASE("ctl: a proxy URL splits into host and path prefix", "[ctl]")
{
    // Goal: --proxy may carry a path prefix (a proxy behind a reverse
    // proxy) and an IPv6 host. Method: split_proxy_url on good URLs.
    auto plain = split_proxy_url("http://127.0.0.1:8888");
    REQUIRE(plain.ok());
    CHECK(plain.value().scheme_host_port == "http://127.0.0.1:8888");
    CHECK(plain.value().path_prefix.empty());
    auto prefixed = split_proxy_url("https://example.org/raftescort//");
    REQUIRE(prefixed.ok());
    CHECK(prefixed.value().scheme_host_port == "https://example.org");
    CHECK(prefixed.value().path_prefix == "/raftescort");
    auto ipv6 = split_proxy_url("http://[::1]:8888/");
    REQUIRE(ipv6.ok());
    CHECK(ipv6.value().scheme_host_port == "http://[::1]:8888");
    CHECK(ipv6.value().path_prefix.empty());
}

TEST_CASE("ctl: a bad proxy URL is refused naming --proxy and the problem", "[ctl]")
{
    // Goal: each mistake gets its own message, starting with the option to
    // fix. Method: one URL per mistake.
    const auto message_of = [](const std::string& url) {
        auto split = split_proxy_url(url);
        REQUIRE(!split.ok());
        CHECK(split.error().code == ErrorCode::invalid_argument);
        return split.error().message;
    };
    CHECK(message_of("http://127.0.0.1:99999")
          == "--proxy: 'http://127.0.0.1:99999': '99999' is not a port number (1-65535); give "
             "http://HOST[:PORT][/PREFIX]");
    CHECK(message_of("http://h:0")
          == "--proxy: 'http://h:0': '0' is not a port number (1-65535); "
             "give http://HOST[:PORT][/PREFIX]");
    CHECK(message_of("http://h:8x/")
          == "--proxy: 'http://h:8x/': '8x' is not a port number "
             "(1-65535); give http://HOST[:PORT][/PREFIX]");
    CHECK(message_of("http://:8888")
          == "--proxy: 'http://:8888': the host is missing; give http://HOST[:PORT][/PREFIX]");
    CHECK(message_of("http://h:8888/?x=1")
          == "--proxy: 'http://h:8888/?x=1' has a query or fragment; give "
             "http://HOST[:PORT][/PREFIX]");
    CHECK(message_of("http://h#top").find("has a query or fragment") != std::string::npos);
    CHECK(message_of("ftp://h:21")
          == "--proxy: 'ftp://h:21' is not an http or https URL; give http://HOST[:PORT][/PREFIX]");
    CHECK(message_of("127.0.0.1:8888").rfind("--proxy: '127.0.0.1:8888' is not an http", 0) == 0);
}

TEST_CASE("ctl: an unreadable --tls-ca is refused naming the file", "[ctl]")
{
    // Goal: a wrong CA path is a usage error before any request. Method: an
    // https URL with a CA file that does not exist.
    auto client = ProxyClient::open(
        ProxyClientOptions{"https://127.0.0.1:1", "", "/nonexistent/ca.pem", "0.1.0"});
    REQUIRE(!client.ok());
    CHECK(client.error().code == ErrorCode::invalid_argument);
    CHECK(client.error().message
          == "--tls-ca: '/nonexistent/ca.pem' cannot be read as a PEM certificate");
}

TEST_CASE("ctl: a query value is percent-encoded, HOST:PORT kept readable", "[ctl]")
{
    // Goal: /logs?ip= carries any address safely. Method: reserved and
    // non-ASCII bytes.
    CHECK(encode_query_value("127.0.0.1:5001") == "127.0.0.1:5001");
    CHECK(encode_query_value("[::1]:5001") == "%5B::1%5D:5001");
    CHECK(encode_query_value("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
    CHECK(encode_query_value("").empty());
}

TEST_CASE("ctl: the client returns the envelope's data and sends its headers", "[ctl]")
{
    // Goal: commands see only data; every request goes under the URL's
    // prefix with the admin token and ctl's User-Agent. Method: a fake
    // proxy; a GET and a POST through a prefixed URL.
    FakeProxy proxy;
    proxy.set_data("/p/status", json{{"leader", 2}});
    proxy.set("POST", "/p/mission", {FakeReply{200, envelope(json{{"term", 3}})}});
    auto client = open_client(proxy.url() + "/p/", "admin-token-0123456789");
    auto status = client->get("/status");
    REQUIRE(status.ok());
    CHECK(status.value() == json{{"leader", 2}});
    CHECK(client->last_http_status() == 200);
    auto posted = client->post("/mission", json{{"action", "start"}});
    REQUIRE(posted.ok());
    CHECK(posted.value() == json{{"term", 3}});
    const auto requests = proxy.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].target == "/p/status");
    CHECK(requests[0].authorization == "Bearer admin-token-0123456789");
    CHECK(requests[0].user_agent == "raftescort-ctl/9.9.9");
    CHECK(requests[1].method == "POST");
    CHECK(json::parse(requests[1].body) == json{{"action", "start"}});
}

TEST_CASE("ctl: the client sends no Authorization header without a token", "[ctl]")
{
    // Goal: an empty token is not sent as "Bearer ". Method: a GET with none.
    FakeProxy proxy;
    proxy.set_data("/status", json::object());
    auto client = open_client(proxy.url());
    REQUIRE(client->get("/status").ok());
    CHECK(proxy.requests().at(0).authorization.empty());
}

TEST_CASE("ctl: the proxy's refusals and failures map to error codes", "[ctl]")
{
    // Goal: 4xx is rejected (exit 3) with the proxy's message, 503 is
    // unavailable (retryable), other 5xx io_error; the HTTP status is in the
    // message. Method: one route per answer.
    FakeProxy proxy;
    proxy.set("GET", "/bad", {FakeReply{400, error_envelope(400, "'x' is not an integer")}});
    proxy.set("GET", "/busy", {FakeReply{503, error_envelope(503, "no leader")}});
    proxy.set("GET", "/broken", {FakeReply{500, error_envelope(500, "internal")}});
    proxy.set("GET", "/silent", {FakeReply{502, "<html>bad gateway</html>"}});
    auto client = open_client(proxy.url());

    auto bad = client->get("/bad");
    REQUIRE(!bad.ok());
    CHECK(bad.error().code == ErrorCode::rejected);
    CHECK(bad.error().message == "'x' is not an integer (HTTP 400)");
    CHECK(client->last_http_status() == 400);

    auto busy = client->get("/busy");
    REQUIRE(!busy.ok());
    CHECK(busy.error().code == ErrorCode::unavailable);
    CHECK(busy.error().message == "no leader (HTTP 503)");

    auto broken = client->get("/broken");
    REQUIRE(!broken.ok());
    CHECK(broken.error().code == ErrorCode::io_error);
    CHECK(broken.error().message == "internal (HTTP 500)");

    auto silent = client->get("/silent");
    REQUIRE(!silent.ok());
    CHECK(silent.error().code == ErrorCode::io_error);
    CHECK(silent.error().message == "the proxy gave no reason (HTTP 502)");

    auto unknown = client->get("/nowhere");
    REQUIRE(!unknown.ok());
    CHECK(unknown.error().code == ErrorCode::rejected);
    CHECK(unknown.error().message == "no route /nowhere (HTTP 404)");
}

TEST_CASE("ctl: a success that is not an envelope is an error", "[ctl]")
{
    // Goal: --proxy pointed at something else (a node, a web server) is
    // said so, not printed as data. Method: 200 with HTML, with JSON
    // lacking "data", and with an empty body.
    FakeProxy proxy;
    proxy.set("GET", "/html", {FakeReply{200, "<html></html>"}});
    proxy.set("GET", "/node", {FakeReply{200, json{{"id", 1}, {"role", "leader"}}.dump()}});
    proxy.set("GET", "/empty", {FakeReply{200, ""}});
    auto client = open_client(proxy.url());
    for (const char* target : {"/html", "/node", "/empty"}) {
        INFO(target);
        auto answer = client->get(target);
        REQUIRE(!answer.ok());
        CHECK(answer.error().code == ErrorCode::io_error);
        CHECK(answer.error().message
              == "the answer of " + proxy.url()
                     + " is not a raftescort proxy envelope (is it the proxy?)");
    }
}

TEST_CASE("ctl: a proxy's message becomes one bounded line", "[ctl]")
{
    // Goal: a hostile or broken proxy cannot spread an error over the
    // terminal. Method: control characters, and a 1000-character message.
    FakeProxy proxy;
    proxy.set("GET", "/escape", {FakeReply{409, error_envelope(409, "line\none\x1b[2J  ")}});
    proxy.set("GET", "/long", {FakeReply{400, error_envelope(400, std::string(1000, 'm'))}});
    auto client = open_client(proxy.url());
    auto escape = client->get("/escape");
    REQUIRE(!escape.ok());
    CHECK(escape.error().message == "line one [2J (HTTP 409)");
    auto long_message = client->get("/long");
    REQUIRE(!long_message.ok());
    CHECK(long_message.error().message == std::string(400, 'm') + "... (HTTP 400)");
}

TEST_CASE("ctl: an unreachable proxy is unavailable, naming the URL", "[ctl]")
{
    // Goal: "cannot reach" with the URL as given, code unavailable (exit 1),
    // no HTTP status. Method: a loopback port nothing listens on.
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
    auto client = open_client(url);
    auto answer = client->get("/status");
    REQUIRE(!answer.ok());
    CHECK(answer.error().code == ErrorCode::unavailable);
    CHECK(answer.error().message
          == "cannot reach the proxy at " + url + ": connection refused or host unreachable");
    CHECK(client->last_http_status() == 0);
}

TEST_CASE("ctl: a retried POST repeats the same body on 503 only", "[ctl]")
{
    // Goal: a move survives a leader change (503 then 200) and is sent
    // with the same body each time; a refusal is not retried. Method: a
    // fake answering 503 twice then 200; another answering 400.
    FakeProxy proxy;
    proxy.set("POST", "/nodes/move",
              {FakeReply{503, error_envelope(503, "no leader")},
               FakeReply{503, error_envelope(503, "no leader")},
               FakeReply{200, envelope(json{{"result", "moved"}})}});
    proxy.set("POST", "/refused", {FakeReply{400, error_envelope(400, "bad x")}});
    auto client = open_client(proxy.url());
    RetryPolicy fast;
    fast.pause_first = std::chrono::milliseconds(1);
    fast.pause_max = std::chrono::milliseconds(2);
    const json body{{"x", 1}, {"y", 0}, {"client_id", "c"}, {"sequence", 1}};
    auto moved = client->post_with_retry("/nodes/move", body, fast);
    REQUIRE(moved.ok());
    CHECK(moved.value() == json{{"result", "moved"}});
    auto refused = client->post_with_retry("/refused", body, fast);
    REQUIRE(!refused.ok());
    CHECK(refused.error().code == ErrorCode::rejected);
    const auto requests = proxy.requests();
    REQUIRE(requests.size() == 4);
    for (const FakeRequest& request : requests) {
        CHECK(json::parse(request.body) == body);
    }
    CHECK(requests[3].target == "/refused");
}

TEST_CASE("ctl: a retried POST gives up after its attempts", "[ctl]")
{
    // Goal: a proxy that stays at 503 ends the retries with its last
    // answer, after attempts_max requests. Method: always 503.
    FakeProxy proxy;
    proxy.set("POST", "/nodes/move", {FakeReply{503, error_envelope(503, "no quorum")}});
    auto client = open_client(proxy.url());
    RetryPolicy fast;
    fast.pause_first = std::chrono::milliseconds(1);
    fast.pause_max = std::chrono::milliseconds(1);
    fast.attempts_max = 3;
    auto moved = client->post_with_retry("/nodes/move", json::object(), fast);
    REQUIRE(!moved.ok());
    CHECK(moved.error().message == "no quorum (HTTP 503)");
    CHECK(proxy.requests().size() == 3);
}
