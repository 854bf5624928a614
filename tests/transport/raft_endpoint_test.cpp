// Tests of the receiving side of node-to-node messages
// (src/transport/http/raft_endpoint.cpp): each answer of the documented
// table, in its documented order, against a real server on loopback.

#include "codec_test_support.hpp"
#include "http_test_server.hpp"

#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

using namespace codec_test;
using http_test::TestServer;
using transport::encode_envelope;
using transport::Envelope;
using transport::InboundMessage;

namespace {

constexpr const char* k_cluster = "prod-1";
constexpr const char* k_token = "s3cret-token";
constexpr std::size_t k_body_bytes_max = 64 * 1024;

raft::Message heartbeat(std::uint64_t from, std::uint64_t to, std::uint64_t term)
{
    raft::Message message;
    message.type = raft::MessageType::heartbeat;
    message.from = raft::NodeId{from};
    message.to = raft::NodeId{to};
    message.term = raft::Term{term};
    message.commit = raft::Index{term * 10};
    return message;
}

std::string body_of(const raft::Message& message, const std::string& cluster = k_cluster)
{
    return encode_envelope(Envelope{cluster, message});
}

httplib::Headers headers_with_token(const std::string& token = k_token)
{
    return {{transport::k_token_header, token}, {transport::k_address_header, "127.0.0.1:7001"}};
}

/// Node 2 of cluster "prod-1" with a token, recording what it accepts.
struct Endpoint {
    std::mutex mutex;
    std::vector<InboundMessage> received;
    std::size_t handler_calls = 0;
    std::atomic<bool> inbox_open{true};
    TestServer server{[this](transport::HttpServer& http) {
        transport::RaftEndpointOptions options;
        options.cluster_id = k_cluster;
        options.self = raft::NodeId{2};
        options.cluster_token = k_token;
        options.limits.body_bytes_max = k_body_bytes_max;
        transport::install_raft_endpoint(http, options,
                                         [this](std::vector<InboundMessage> inbound) {
                                             if (!inbox_open) {
                                                 return false;
                                             }
                                             std::lock_guard lock(mutex);
                                             ++handler_calls;
                                             for (InboundMessage& message : inbound) {
                                                 received.push_back(std::move(message));
                                             }
                                             return true;
                                         });
    }};

    /// Posts `body` with the right token, on a connection of its own.
    httplib::Result post(const std::string& body)
    {
        httplib::Client client("127.0.0.1", server.port());
        return client.Post(transport::k_raft_message_path, headers_with_token(), body,
                           "application/json");
    }

    std::size_t received_count()
    {
        std::lock_guard lock(mutex);
        return received.size();
    }
};

/// The "error" member of an error answer (fails the test if there is none).
std::string error_of(const httplib::Result& result)
{
    REQUIRE(result);
    INFO(result->body);
    auto body = nlohmann::json::parse(result->body);
    REQUIRE(body.is_object());
    REQUIRE(body.size() == 1);
    REQUIRE(body["error"].is_string());
    REQUIRE(result->get_header_value("Content-Type") == "application/json");
    return body["error"].get<std::string>();
}

} // namespace

TEST_CASE("raft endpoint accepts a message: 204 and the handler gets it",
          "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    httplib::Client client("127.0.0.1", endpoint.server.port());
    Rng rng(7);
    raft::Message message = random_message(rng, raft::MessageType::append);
    message.from = raft::NodeId{1};
    message.to = raft::NodeId{2};

    auto result = client.Post(transport::k_raft_message_path, headers_with_token(),
                              body_of(message), "application/json");
    REQUIRE(result);
    CHECK(result->status == 204);
    CHECK(result->body.empty());
    REQUIRE(endpoint.received_count() == 1);
    CHECK(same_message(endpoint.received[0].message, message));
    CHECK(endpoint.received[0].sender_address == "127.0.0.1:7001");

    // An address header that is not host:port reaches the handler as "".
    httplib::Headers bad_address{{transport::k_token_header, k_token},
                                 {transport::k_address_header, "not an address"}};
    result = client.Post(transport::k_raft_message_path, bad_address, body_of(message),
                         "application/json");
    REQUIRE(result);
    CHECK(result->status == 204);
    REQUIRE(endpoint.received_count() == 2);
    CHECK(endpoint.received[1].sender_address.empty());
}

TEST_CASE("raft endpoint answers 403 without the right token, before anything else",
          "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    httplib::Client client("127.0.0.1", endpoint.server.port());
    std::string body = body_of(heartbeat(1, 2, 5));

    auto missing = client.Post(transport::k_raft_message_path, body, "application/json");
    REQUIRE(missing);
    CHECK(missing->status == 403);
    CHECK(error_of(missing) == "missing cluster token");

    auto wrong = client.Post(transport::k_raft_message_path, headers_with_token("s3cret-tokeN"),
                             body, "application/json");
    REQUIRE(wrong);
    CHECK(wrong->status == 403);
    CHECK(error_of(wrong) == "wrong cluster token");

    // A prefix of the token is not the token.
    auto prefix = client.Post(transport::k_raft_message_path, headers_with_token("s3cret"), body,
                              "application/json");
    REQUIRE(prefix);
    CHECK(prefix->status == 403);

    // The token comes first: an oversized or malformed body without it is 403 too.
    auto oversized = client.Post(transport::k_raft_message_path,
                                 std::string(k_body_bytes_max + 1, 'x'), "application/json");
    REQUIRE(oversized);
    CHECK(oversized->status == 403);
    auto malformed = client.Post(transport::k_raft_message_path, "{", "application/json");
    REQUIRE(malformed);
    CHECK(malformed->status == 403);

    // The refused bodies were read off the connection: the same keep-alive
    // connection still carries a good request.
    auto good =
        client.Post(transport::k_raft_message_path, headers_with_token(), body, "application/json");
    REQUIRE(good);
    CHECK(good->status == 204);
    CHECK(endpoint.received_count() == 1);
}

TEST_CASE("raft endpoint answers 413 for a body above the limit", "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    httplib::Client client("127.0.0.1", endpoint.server.port());
    raft::Message message = heartbeat(1, 2, 5);
    message.chunk_data = std::string(k_body_bytes_max, 'a');

    auto result = client.Post(transport::k_raft_message_path, headers_with_token(),
                              body_of(message), "application/json");
    REQUIRE(result);
    CHECK(result->status == 413);
    CHECK(endpoint.received_count() == 0);

    // Exactly at the limit is not too large (it is refused later, as
    // malformed); the refused body was skipped, so the connection still works.
    std::string at_limit(k_body_bytes_max, ' ');
    auto edge = client.Post(transport::k_raft_message_path, headers_with_token(), at_limit,
                            "application/json");
    REQUIRE(edge);
    CHECK(edge->status == 400);
}

TEST_CASE("raft endpoint answers 400 for a malformed body and names the field",
          "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    auto post = [&](const std::string& body) { return endpoint.post(body); };

    auto not_json = post("{\"cluster\":");
    REQUIRE(not_json);
    CHECK(not_json->status == 400);
    CHECK_FALSE(error_of(not_json).empty());

    auto no_term = post(R"({"cluster":"prod-1","type":"heartbeat","from":1,"to":2})");
    REQUIRE(no_term);
    CHECK(no_term->status == 400);
    CHECK_THAT(error_of(no_term), Catch::Contains("'term'"));

    auto bad_type = post(R"({"cluster":"prod-1","type":"hello","from":1,"to":2,"term":1})");
    REQUIRE(bad_type);
    CHECK(bad_type->status == 400);
    CHECK_THAT(error_of(bad_type), Catch::Contains("'type'"));

    // A control byte in the body is quoted escaped, and the answer stays JSON.
    auto hostile = post("{\"cluster\":\"prod-1\",\"type\":\"\x1b[31m\xff\",\"from\":1}");
    REQUIRE(hostile);
    CHECK(hostile->status == 400);
    CHECK_FALSE(error_of(hostile).empty());

    auto no_from = post(R"({"cluster":"prod-1","type":"heartbeat","from":0,"to":2,"term":1})");
    REQUIRE(no_from);
    CHECK(no_from->status == 400);
    CHECK_THAT(error_of(no_from), Catch::Contains("'from'"));
    CHECK(endpoint.received_count() == 0);
}

TEST_CASE("raft endpoint answers 400 for a message to another node, before the cluster check",
          "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    httplib::Client client("127.0.0.1", endpoint.server.port());

    auto result = client.Post(transport::k_raft_message_path, headers_with_token(),
                              body_of(heartbeat(1, 3, 5)), "application/json");
    REQUIRE(result);
    CHECK(result->status == 400);
    CHECK(error_of(result) == "field 'to' is node 3, this is node 2");

    auto both = client.Post(transport::k_raft_message_path, headers_with_token(),
                            body_of(heartbeat(1, 3, 5), "other"), "application/json");
    REQUIRE(both);
    CHECK(both->status == 400);
    CHECK(endpoint.received_count() == 0);
}

TEST_CASE("raft endpoint answers 409 for another cluster's message", "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    httplib::Client client("127.0.0.1", endpoint.server.port());

    auto result = client.Post(transport::k_raft_message_path, headers_with_token(),
                              body_of(heartbeat(1, 2, 5), "staging"), "application/json");
    REQUIRE(result);
    CHECK(result->status == 409);
    CHECK(error_of(result) == "message for cluster 'staging', this is cluster 'prod-1'");
    CHECK(endpoint.received_count() == 0);
}

TEST_CASE("raft endpoint answers 503 when the handler cannot queue the message",
          "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    endpoint.inbox_open = false;
    httplib::Client client("127.0.0.1", endpoint.server.port());

    auto result = client.Post(transport::k_raft_message_path, headers_with_token(),
                              body_of(heartbeat(1, 2, 5)), "application/json");
    REQUIRE(result);
    CHECK(result->status == 503);
    CHECK(error_of(result) == "inbox full");

    endpoint.inbox_open = true;
    result = client.Post(transport::k_raft_message_path, headers_with_token(),
                         body_of(heartbeat(1, 2, 6)), "application/json");
    REQUIRE(result);
    CHECK(result->status == 204);
}

TEST_CASE("raft endpoint takes a batch whole: in order in one handler call, or refused whole",
          "[transport][raft_endpoint]")
{
    Endpoint endpoint;
    auto post = [&](const std::string& body) { return endpoint.post(body); };
    std::string batch;
    for (std::uint64_t term = 1; term <= 5; ++term) {
        transport::append_to_batch(batch, body_of(heartbeat(1, 2, term)));
    }
    auto accepted = post(batch);
    REQUIRE(accepted);
    CHECK(accepted->status == 204);
    REQUIRE(endpoint.received_count() == 5);
    CHECK(endpoint.handler_calls == 1);
    for (std::uint64_t term = 1; term <= 5; ++term) {
        CHECK(endpoint.received[term - 1].message.term == raft::Term{term});
        CHECK(endpoint.received[term - 1].sender_address == "127.0.0.1:7001");
    }

    // One message to another node, or of another cluster, refuses all five.
    std::string wrong_node = batch + "\n" + body_of(heartbeat(1, 3, 6));
    auto refused = post(wrong_node);
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(error_of(refused) == "message 6: field 'to' is node 3, this is node 2");
    std::string other_cluster = body_of(heartbeat(1, 2, 6), "staging") + "\n" + batch;
    auto conflict = post(other_cluster);
    REQUIRE(conflict);
    CHECK(conflict->status == 409);
    std::string undecodable = batch + "\n{}";
    auto bad = post(undecodable);
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK_THAT(error_of(bad), Catch::StartsWith("message 6: "));
    CHECK(endpoint.received_count() == 5);

    // A full inbox refuses the batch whole too.
    endpoint.inbox_open = false;
    auto busy = post(batch);
    REQUIRE(busy);
    CHECK(busy->status == 503);
    CHECK(endpoint.received_count() == 5);
    CHECK(endpoint.handler_calls == 1);
}

TEST_CASE("split_host_port accepts host:port and nothing else", "[transport][raft_endpoint]")
{
    struct Case {
        std::string address;
        bool ok;
        std::string host;
        std::uint16_t port;
    };
    const std::vector<Case> cases = {
        {"127.0.0.1:8080", true, "127.0.0.1", 8080},
        {"localhost:1", true, "localhost", 1},
        {"node-1.raft_net:65535", true, "node-1.raft_net", 65535},
        {"[::1]:9000", true, "::1", 9000},
        {"[fe80::1:2]:80", true, "fe80::1:2", 80},
        {"h:00080", true, "h", 80},
        {"", false, "", 0},
        {"host", false, "", 0},
        {"host:", false, "", 0},
        {":80", false, "", 0},
        {"host:0", false, "", 0},
        {"host:65536", false, "", 0},
        {"host:123456", false, "", 0},
        {"host:-1", false, "", 0},
        {"host:+80", false, "", 0},
        {"host:8 0", false, "", 0},
        {"host:80x", false, "", 0},
        {"::1:80", false, "", 0},
        {"[::1]", false, "", 0},
        {"[::1]80", false, "", 0},
        {"[]:80", false, "", 0},
        {"[host]:80", false, "", 0},
        {"[::1:80", false, "", 0},
        {"ho st:80", false, "", 0},
        {"host\r\n:80", false, "", 0},
        {"user@host:80", false, "", 0},
        {"http://host:80", false, "", 0},
        {std::string(254, 'a') + ":80", false, "", 0},
    };
    for (const Case& c : cases) {
        INFO("address: " << c.address);
        std::string host = "unchanged";
        std::uint16_t port = 7;
        CHECK(transport::split_host_port(c.address, host, port) == c.ok);
        CHECK(host == (c.ok ? c.host : "unchanged"));
        CHECK(port == (c.ok ? c.port : 7));
    }
}

TEST_CASE("is_loopback_ip accepts 127.0.0.0/8 dotted quads only", "[transport][raft_endpoint]")
{
    const std::vector<std::pair<std::string, bool>> cases = {
        {"127.0.0.1", true},
        {"127.0.0.11", true},
        {"127.255.255.255", true},
        {"127.0.0.0", true},
        {"128.0.0.1", false},
        {"10.0.0.1", false},
        {"0.0.0.0", false},
        {"localhost", false},
        {"::1", false},
        {"", false},
        {"127.0.0", false},
        {"127.0.0.1.", false},
        {"127.0.0.1.1", false},
        {"127..0.1", false},
        {"127.0.0.256", false},
        {"127.0.0.01", false},
        {"0127.0.0.1", false},
        {"127.0.0.-1", false},
        {" 127.0.0.1", false},
        {"127.0.0.1:80", false},
    };
    for (const auto& [host, loopback] : cases) {
        INFO("host: " << host);
        CHECK(transport::is_loopback_ip(host) == loopback);
    }
}
