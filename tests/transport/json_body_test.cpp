// Unit tests of the request-body kit the node and the proxy share
// (transport/json_body.hpp): every refusal has its status and names the
// problem, and a good body comes back as the object it is.

#include <raftescort/transport/json_body.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using nlohmann::json;
using raftescort::transport::read_json_object;

struct Refusal {
    int status = 0;
    std::string message;
};
Refusal g_refusal;

void record_refusal(httplib::Response& response, int status, const std::string& message)
{
    response.status = status;
    g_refusal = Refusal{status, message};
}

httplib::Request post(const std::string& body, const std::string& content_type = "application/json")
{
    httplib::Request request;
    request.method = "POST";
    request.path = "/move";
    request.body = body;
    if (!content_type.empty()) {
        request.headers.emplace("Content-Type", content_type);
    }
    return request;
}

/// The refusal of `body`, or status 0 when it was read.
Refusal refusal_of(const httplib::Request& request, std::size_t bytes_max = 1024)
{
    g_refusal = Refusal{};
    httplib::Response response;
    auto body =
        read_json_object(request, response, bytes_max, {"dx", "dy", "client_id"}, record_refusal);
    REQUIRE(body.has_value() == (g_refusal.status == 0));
    return g_refusal;
}

} // namespace

TEST_CASE("a good body is read with numbers of every kind", "[transport][json_body]")
{
    // Goal: negative and fractional numbers pass the reader (the handler's
    // field readers say which field has the wrong kind), keys as sent.
    g_refusal = Refusal{};
    httplib::Request request = post(R"({"dx": -3, "dy": 1.5, "client_id": "c1"})");
    httplib::Response response;
    auto body =
        read_json_object(request, response, 1024, {"dx", "dy", "client_id"}, record_refusal);
    REQUIRE(body.has_value());
    CHECK((*body)["dx"] == -3);
    CHECK((*body)["dy"] == 1.5);
    CHECK((*body)["client_id"] == "c1");
    CHECK(g_refusal.status == 0);
}

TEST_CASE("a body that is not JSON of the right shape is refused, named", "[transport][json_body]")
{
    struct Case {
        const char* body;
        int status;
        const char* names;
    };
    const Case cases[] = {
        {"not json", 400, "invalid JSON at byte"},
        {R"({"dx": 1} trailing)", 400, "invalid JSON at byte"},
        {"[1, 2]", 400, "must be a JSON object"},
        {"\"text\"", 400, "must be a JSON object"},
        // Two readers of the same bytes must never see two different moves.
        {R"({"dx": 1, "dx": -1})", 400, "duplicate key"},
        {R"({"dx": [[[[1]]]]})", 400, "nesting deeper than 3"},
        {R"({"dx": 1, "speed": 2})", 400,
         "unknown field \"speed\" (known: \"client_id\", \"dx\", \"dy\")"},
    };
    for (const Case& test : cases) {
        INFO(test.body);
        Refusal refusal = refusal_of(post(test.body));
        CHECK(refusal.status == test.status);
        CHECK_THAT(refusal.message, Catch::Contains(test.names));
    }
}

TEST_CASE("a body over the limit is refused before it is parsed", "[transport][json_body]")
{
    Refusal refusal = refusal_of(post(std::string(2000, '{')), 1024);
    CHECK(refusal.status == 413);
    CHECK_THAT(refusal.message, Catch::Contains("2000 bytes") && Catch::Contains("1024-byte"));
}

TEST_CASE("a body not declared as JSON is refused", "[transport][json_body]")
{
    // Goal: a web page's form post (text/plain, urlencoded) never reaches a
    // handler that changes the cluster.
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
        INFO(type);
        Refusal refusal = refusal_of(post(R"({"dx": 1})", type));
        CHECK(refusal.status == 415);
        CHECK_THAT(refusal.message, Catch::Contains("application/json"));
    }
    CHECK(refusal_of(post(R"({"dx": 1})", "application/json; charset=utf-8")).status == 0);
}

TEST_CASE("an answer with a client's invalid UTF-8 is written, not thrown",
          "[transport][json_body]")
{
    httplib::Response response;
    raftescort::transport::reply_json(response, 404, json{{"error", std::string("no \xff here")}});
    CHECK(response.status == 404);
    CHECK_THAT(response.body, Catch::Contains("no \xef\xbf\xbd here"));
}

TEST_CASE("an integer member is read within its range, or the field is named",
          "[transport][json_body]")
{
    // Goal: one reader for the node's and the proxy's move fields: every
    // wrong kind and every out-of-range value is a 400 naming the field.
    using raftescort::transport::integer_member;
    json body = json::parse(R"({"a": -7, "b": "7", "c": 1.5, "d": 101, "e": -101,
                                "f": 18446744073709551615, "g": 100})");
    struct Case {
        const char* name;
        const char* names;
    };
    const Case refused[] = {
        {"missing", "missing integer field \"missing\""},
        {"b", "field \"b\" must be an integer, not \"7\""},
        {"c", "field \"c\" must be an integer, not 1.5"},
        {"d", "field \"d\" must be within -100..100"},
        {"e", "field \"e\" must be within -100..100"},
        {"f", "field \"f\" must be within -100..100"},
    };
    for (const Case& test : refused) {
        INFO(test.name);
        g_refusal = Refusal{};
        httplib::Response response;
        CHECK_FALSE(integer_member(body, test.name, 100, response, record_refusal));
        CHECK(g_refusal.status == 400);
        CHECK(g_refusal.message == test.names);
    }
    httplib::Response response;
    CHECK(integer_member(body, "a", 100, response, record_refusal) == -7);
    CHECK(integer_member(body, "g", 100, response, record_refusal) == 100);
}

TEST_CASE("an answer from our own servers is parsed with limits", "[transport][json_body]")
{
    // Goal: the proxy and ctl read what a node or the proxy answers through
    // the bounded parser: real answers (floats, big arrays, nesting a few
    // levels deep) pass, and an answer that nests without end or repeats a
    // key is refused, not parsed into whatever the last key said.
    using raftescort::transport::parse_answer_json;
    std::string entries = R"({"entries": [)";
    for (int i = 0; i < 5000; ++i) {
        entries += (i == 0 ? "" : ",") + std::string(R"({"index": 1, "position": [1.5, -2]})");
    }
    entries += "]}";
    auto parsed = parse_answer_json(entries);
    REQUIRE(parsed);
    CHECK(parsed.value()["entries"].size() == 5000);
    CHECK(parsed.value()["entries"][4999]["position"][0] == 1.5);

    CHECK_FALSE(parse_answer_json(std::string(100000, '[') + std::string(100000, ']')));
    auto duplicate = parse_answer_json(R"({"leader": 1, "leader": 2})");
    REQUIRE_FALSE(duplicate);
    CHECK(duplicate.error().message.find("duplicate") != std::string::npos);
    CHECK_FALSE(parse_answer_json("{\"a\": 1} trailing"));
    CHECK_FALSE(parse_answer_json(""));
}
