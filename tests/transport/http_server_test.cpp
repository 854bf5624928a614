// Tests of the HTTP server engine (include/raftescort/transport/http_server.hpp)
// on loopback: requests reach their handlers whole and within limits, a
// client's bytes never end the server, slow and idle clients are cut off on
// time and hold no thread, connection caps make room, and the peer work class
// keeps running while every API thread is busy.

#include "http_test_server.hpp"
#include "raw_client.hpp"

#include <raftescort/transport/http_server.hpp>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using http_test::RawClient;
using raftescort::transport::HttpServer;
using raftescort::transport::HttpServerOptions;
using raftescort::transport::RouteOptions;
using raftescort::transport::WorkClass;

namespace {

using Clock = std::chrono::steady_clock;

/// A gate handlers wait at until the test opens it.
class Gate {
public:
    void wait()
    {
        std::unique_lock lock(m_mutex);
        ++m_waiting;
        m_changed.notify_all();
        m_changed.wait(lock, [this] { return m_open; });
    }
    void open()
    {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_changed.notify_all();
    }
    bool wait_for_waiters(int count)
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, 3s, [&] { return m_waiting >= count; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_waiting = 0;
    bool m_open = false;
};

/// A started server with a few routes, stopped at the end of the test.
class Served {
public:
    explicit Served(HttpServerOptions options = {}) : m_server(std::move(options))
    {
        m_server.Get("/hello", [](const httplib::Request& request, httplib::Response& response) {
            response.set_content("hello " + request.get_param_value("name"), "text/plain");
        });
        RouteOptions large;
        large.body_bytes_max = 1 << 20;
        m_server.Post(
            "/echo",
            [](const httplib::Request& request, httplib::Response& response) {
                response.set_content(request.body, "application/octet-stream");
            },
            large);
        m_server.Get("/throw", [](const httplib::Request&, httplib::Response&) {
            throw std::runtime_error("secret detail");
        });
        RouteOptions small;
        small.body_bytes_max = 10;
        m_server.Post(
            "/small",
            [](const httplib::Request&, httplib::Response& response) {
                response.set_content("ok", "text/plain");
            },
            small);
        RouteOptions guarded;
        guarded.admit = [](const httplib::Request& request, httplib::Response& response) {
            if (request.get_header_value("X-Key") == "yes") {
                return true;
            }
            response.status = 403;
            response.set_content("no key", "text/plain");
            return false;
        };
        guarded.body_bytes_max = 1 << 20;
        m_server.Post(
            "/guarded",
            [this](const httplib::Request& request, httplib::Response& response) {
                m_guarded_bodies.fetch_add(1);
                response.set_content(std::to_string(request.body.size()), "text/plain");
            },
            guarded);
    }
    ~Served() { m_server.stop(); }

    HttpServer& server() { return m_server; }
    void start()
    {
        REQUIRE(m_server.bind("127.0.0.1", 0));
        m_server.start();
    }
    int port() const { return m_server.port(); }
    int guarded_bodies() const { return m_guarded_bodies.load(); }

private:
    HttpServer m_server;
    std::atomic<int> m_guarded_bodies{0};
};

std::string get(const std::string& target, const std::string& extra_headers = "")
{
    return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}

} // namespace

TEST_CASE("http server: routes, keep-alive and the library's client", "[transport][http]")
{
    Served served;
    served.start();
    httplib::Client client("127.0.0.1", served.port());
    client.set_keep_alive(true);
    for (int i = 0; i < 20; ++i) {
        auto result = client.Get("/hello?name=n" + std::to_string(i));
        REQUIRE(result);
        CHECK(result->status == 200);
        CHECK(result->body == "hello n" + std::to_string(i));
    }
    auto echoed = client.Post("/echo", std::string(100000, 'e'), "application/json");
    REQUIRE(echoed);
    CHECK(echoed->body.size() == 100000);
    // All of it over one connection.
    CHECK(served.server().stats().accepted_total == 1);
    CHECK(served.server().stats().requests_total == 21);
}

TEST_CASE("http server: two requests in one write are answered in order", "[transport][http]")
{
    Served served;
    served.start();
    RawClient raw(served.port());
    REQUIRE(raw.send(get("/hello?name=a") + "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
                     + get("/hello?name=b")));
    CHECK(RawClient::body_of(raw.read_response()) == "hello a");
    CHECK(RawClient::body_of(raw.read_response()) == "xyz");
    CHECK(RawClient::body_of(raw.read_response()) == "hello b");
}

TEST_CASE("http server: HEAD, unknown routes, wrong methods", "[transport][http]")
{
    Served served;
    served.start();
    RawClient raw(served.port());
    REQUIRE(raw.send("HEAD /hello?name=x HTTP/1.1\r\n\r\n"));
    std::string head = raw.read_until(
        [](const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; }, 3s);
    CHECK(RawClient::status_of(head) == 200);
    CHECK(head.find("Content-Length: 7\r\n") != std::string::npos);
    CHECK(RawClient::body_of(head).empty());

    RawClient second(served.port());
    REQUIRE(second.send(get("/nope")));
    std::string missing = second.read_response();
    CHECK(RawClient::status_of(missing) == 404);
    CHECK(nlohmann::json::parse(RawClient::body_of(missing))["error"]
          == "no such endpoint: GET /nope");
    // A 404 for a request without a body keeps the connection.
    REQUIRE(second.send("POST /hello HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    std::string wrong_method = second.read_response();
    CHECK(RawClient::status_of(wrong_method) == 405);
    CHECK(wrong_method.find("Allow: GET, HEAD\r\n") != std::string::npos);
}

TEST_CASE("http server: hostile bytes get a 4xx that names them, and the server lives",
          "[transport][http]")
{
    Served served;
    served.start();
    struct Case {
        std::string bytes;
        int status;
    };
    const Case cases[] = {
        {get("/%FF%FE"), 404},
        {get("/hello?name=%FF"), 200},
        {get("/hello?name=%G0"), 400},
        {"GET /\xff HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/3.0\r\n\r\n", 400},
        {"BLAH\r\n\r\n", 400},
        {"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
        {"POST /echo HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
        {get("/" + std::string(9000, 'a')), 414},
        {get("/hello", "X: " + std::string(9000, 'a') + "\r\n"), 431},
        {"POST /small HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413},
        {get("/throw"), 500},
    };
    for (const Case& test : cases) {
        INFO(test.bytes.substr(0, 60));
        RawClient raw(served.port());
        REQUIRE(raw.send(test.bytes));
        std::string response = raw.read_response();
        CHECK(RawClient::status_of(response) == test.status);
        if (test.status >= 400) {
            nlohmann::json body =
                nlohmann::json::parse(RawClient::body_of(response), nullptr, false);
            REQUIRE(body.is_object());
            CHECK_FALSE(body["error"].get<std::string>().empty());
            // The exception's text is for the log, not the client.
            CHECK(body["error"].get<std::string>().find("secret") == std::string::npos);
        }
    }
    httplib::Client client("127.0.0.1", served.port());
    auto alive = client.Get("/hello?name=still");
    REQUIRE(alive);
    CHECK(alive->body == "hello still");
}

TEST_CASE("http server: a body is refused before it is read", "[transport][http]")
{
    Served served;
    served.start();
    SECTION("over the route's limit: 413 at once, without waiting for the body")
    {
        RawClient raw(served.port());
        REQUIRE(raw.send("POST /small HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\n"));
        CHECK(RawClient::status_of(raw.read_response(1s)) == 413);
    }
    SECTION("refused by the route's admit check: its answer, no body read")
    {
        RawClient raw(served.port());
        REQUIRE(raw.send("POST /guarded HTTP/1.1\r\nContent-Length: 500000\r\n\r\n"));
        std::string response = raw.read_response(1s);
        CHECK(RawClient::status_of(response) == 403);
        CHECK(RawClient::body_of(response) == "no key");
        CHECK(served.guarded_bodies() == 0);
    }
    SECTION("admitted: 100-continue, then the body")
    {
        RawClient raw(served.port());
        REQUIRE(raw.send("POST /guarded HTTP/1.1\r\nX-Key: yes\r\nContent-Length: 5\r\n"
                         "Expect: 100-continue\r\n\r\n"));
        std::string interim = raw.read_until(
            [](const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; }, 1s);
        CHECK(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
        raw.read_response(10ms); // takes the interim answer off
        REQUIRE(raw.send("abcde"));
        std::string response = raw.read_response();
        CHECK(RawClient::status_of(response) == 200);
        CHECK(RawClient::body_of(response) == "5");
    }
}

TEST_CASE("http server: slow and idle clients are cut off on time", "[transport][http]")
{
    HttpServerOptions options;
    options.head_timeout = 600ms;
    options.idle_timeout = 400ms;
    options.body_timeout = 600ms;
    options.connections_per_address_max = 1000;
    Served served(options);
    served.start();
    SECTION("a head sent a byte at a time past its deadline: 408, closed")
    {
        RawClient raw(served.port());
        const std::string head = get("/hello");
        auto started = Clock::now();
        std::size_t sent = 0;
        // One byte every 100 ms, until the server says something.
        while (sent < head.size()) {
            REQUIRE(raw.send(head.substr(sent++, 1)));
            std::string answer =
                raw.read_until([](const std::string& text) { return !text.empty(); }, 100ms);
            if (!answer.empty()) {
                break;
            }
        }
        CHECK(sent < head.size());
        CHECK(RawClient::status_of(raw.read_response(1s)) == 408);
        CHECK(raw.closed_within(1s));
        CHECK(Clock::now() - started < 1500ms);
    }
    SECTION("an idle connection is closed silently")
    {
        RawClient raw(served.port());
        auto started = Clock::now();
        CHECK(raw.closed_within(2s));
        CHECK(Clock::now() - started >= 350ms);
        CHECK(raw.read_response(10ms).empty());
    }
    SECTION("a body that never comes")
    {
        RawClient raw(served.port());
        REQUIRE(raw.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
        CHECK(RawClient::status_of(raw.read_response(2s)) == 408);
    }
    SECTION("hundreds of them hold no thread: a normal request is served meanwhile")
    {
        std::vector<std::unique_ptr<RawClient>> slow;
        for (int i = 0; i < 300; ++i) {
            slow.push_back(std::make_unique<RawClient>(served.port()));
            slow.back()->send("GET /hel");
        }
        httplib::Client client("127.0.0.1", served.port());
        auto started = Clock::now();
        auto result = client.Get("/hello?name=fast");
        REQUIRE(result);
        CHECK(result->body == "hello fast");
        CHECK(Clock::now() - started < 200ms);
        CHECK(served.server().stats().threads <= 4);
    }
}

TEST_CASE("http server: at the connection cap the oldest waiting client makes room",
          "[transport][http]")
{
    HttpServerOptions options;
    options.connections_max = 8;
    options.connections_per_address_max = 100;
    options.trust_header = "X-Token";
    options.trust_value = "sesame";
    Served served(options);
    served.start();
    // A trusted connection first: it is the oldest, and must survive.
    RawClient trusted(served.port());
    REQUIRE(trusted.send(get("/hello?name=t", "X-Token: sesame\r\n")));
    CHECK(RawClient::status_of(trusted.read_response()) == 200);
    std::vector<std::unique_ptr<RawClient>> idle;
    for (int i = 0; i < 20; ++i) {
        idle.push_back(std::make_unique<RawClient>(served.port()));
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(http_test::wait_until([&] { return served.server().stats().accepted_total >= 21; }));
    CHECK(served.server().stats().connections <= 8);
    CHECK(served.server().stats().evicted_total >= 13);
    // The newest untrusted one and the trusted one are still served.
    REQUIRE(idle.back()->send(get("/hello?name=new")));
    CHECK(RawClient::body_of(idle.back()->read_response()) == "hello new");
    REQUIRE(trusted.send(get("/hello?name=t2")));
    CHECK(RawClient::body_of(trusted.read_response()) == "hello t2");
    CHECK(idle.front()->closed_within(1s));
}

TEST_CASE("http server: connections per client address are capped; a newcomer gets in",
          "[transport][http]")
{
    HttpServerOptions options;
    options.connections_per_address_max = 3;
    Served served(options);
    served.start();
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<RawClient>(served.port()));
        std::this_thread::sleep_for(5ms);
    }
    REQUIRE(http_test::wait_until([&] { return served.server().stats().connections == 3; }));
    // The fourth makes the longest-waiting idle one go: someone who holds
    // connections open cannot lock out a client that comes to ask.
    RawClient fourth(served.port());
    REQUIRE(fourth.send(get("/hello?name=fourth")));
    CHECK(RawClient::body_of(fourth.read_response()) == "hello fourth");
    CHECK(clients.front()->closed_within(1s));
    CHECK(served.server().stats().connections == 3);
    CHECK(served.server().stats().evicted_total == 1);
    REQUIRE(clients.back()->send(get("/hello?name=last")));
    CHECK(RawClient::body_of(clients.back()->read_response()) == "hello last");
}

TEST_CASE("http server: a HEAD answered by the server itself has no body", "[transport][http]")
{
    Served served;
    served.start();
    RawClient raw(served.port());
    REQUIRE(raw.send("HEAD /nope HTTP/1.1\r\n\r\n" + get("/hello?name=next")));
    std::string both = raw.read_until(
        [](const std::string& text) { return text.find("hello next") != std::string::npos; }, 3s);
    CHECK(RawClient::status_of(both) == 404);
    // The 404's head, then at once the next answer: no body in between.
    std::size_t end = both.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    CHECK(both.compare(end + 4, 9, "HTTP/1.1 ") == 0);
}

TEST_CASE("http server: peer handlers run while every API thread is busy", "[transport][http]")
{
    HttpServerOptions options;
    options.api_threads_max = 2;
    options.peer_threads_max = 1;
    HttpServer server(options);
    Gate gate;
    std::atomic<int> api_done{0};
    server.Get("/slow", [&](const httplib::Request&, httplib::Response& response) {
        gate.wait();
        api_done.fetch_add(1);
        response.set_content("slow", "text/plain");
    });
    RouteOptions peer;
    peer.work_class = WorkClass::peer;
    server.Post(
        "/raft",
        [](const httplib::Request&, httplib::Response& response) {
            response.set_content("beat", "text/plain");
        },
        peer);
    REQUIRE(server.bind("127.0.0.1", 0));
    server.start();
    std::vector<std::future<int>> slow;
    for (int i = 0; i < 4; ++i) {
        slow.push_back(std::async(std::launch::async, [&server] {
            httplib::Client client("127.0.0.1", server.port());
            client.set_read_timeout(5s);
            auto result = client.Get("/slow");
            return result ? result->status : -1;
        }));
    }
    REQUIRE(gate.wait_for_waiters(2));
    // Both API threads are held and two requests queue behind them; a
    // heartbeat is answered at once.
    httplib::Client peer_client("127.0.0.1", server.port());
    for (int i = 0; i < 10; ++i) {
        auto started = Clock::now();
        auto beat = peer_client.Post("/raft", "{}", "application/json");
        REQUIRE(beat);
        CHECK(beat->body == "beat");
        CHECK(Clock::now() - started < 500ms);
    }
    CHECK(api_done.load() == 0);
    gate.open();
    for (auto& result : slow) {
        CHECK(result.get() == 200);
    }
    CHECK(api_done.load() == 4);
    server.stop();
}

TEST_CASE("http server: a streamed response, and stop() ends it", "[transport][http]")
{
    HttpServer server;
    std::atomic<bool> released{false};
    server.Get("/events", [&](const httplib::Request&, httplib::Response& response) {
        response.set_chunked_content_provider(
            "text/event-stream",
            [](std::size_t offset, httplib::DataSink& sink) {
                std::string event = "data: " + std::to_string(offset) + "\n\n";
                std::this_thread::sleep_for(5ms);
                return sink.write(event.data(), event.size());
            },
            [&released](bool) { released.store(true); });
    });
    REQUIRE(server.bind("127.0.0.1", 0));
    server.start();
    RawClient raw(server.port());
    REQUIRE(raw.send(get("/events")));
    std::string stream = raw.read_until(
        [](const std::string& text) { return text.find("data: 16\n\n") != std::string::npos; }, 3s);
    CHECK(stream.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(stream.find("9\r\ndata: 0\n\n\r\n") != std::string::npos);
    CHECK(server.stats().streams == 1);
    auto started = Clock::now();
    server.stop();
    CHECK(Clock::now() - started < 2s);
    CHECK(released.load());
    CHECK(raw.closed_within(1s));
}
