// The external API of an in-process proxy over fake nodes: the envelope on
// every JSON answer, input validation (4xx with a message), move forwarding
// with names and request ids, unreachable nodes, membership and leadership
// requests. Redis is deliberately absent.

#include "proxy/proxy_harness.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

/// A leader whose /status lists `peers` ({id, name, match_index}) and
/// positions for ids 1..3, and that commits every move.
json leader_status(const FakeNode& leader, const json& peers, const json& voters)
{
    json status = status_body(leader.id(), leader.address(), "leader", 2);
    status["peers"] = peers;
    status["voters"] = voters;
    status["positions"] = json::array({json{{"id", 1}, {"position", json::array({5, 0})}},
                                       json{{"id", 2}, {"position", json::array({4, 1})}},
                                       json{{"id", 3}, {"position", json::array({4, -1})}}});
    return status;
}

json peer(std::uint64_t id, const std::string& name, std::uint64_t match_index)
{
    return json{{"id", id},
                {"name", name},
                {"match_index", match_index},
                {"next_index", 11},
                {"state", "replicate"},
                {"learner", false},
                {"last_contact_ms", 7},
                {"reachable", true}};
}

FakeAnswer commit_move(const json& body)
{
    return FakeAnswer{
        200, json{{"term", 2},
                  {"index", 12},
                  {"result", "moved"},
                  {"lead", json::array({body.value("dx", 0), body.value("dy", 0)})},
                  {"positions", json::array({json{{"id", 1}, {"position", json::array({1, 0})}}})},
                  {"mission", json::object()}}};
}

} // namespace

TEST_CASE("proxy: every answer is the envelope and bad input is a 4xx", "[proxy]")
{
    FakeNode leader(1);
    leader.set_status(leader_status(leader, json::array(), json::array({1})));
    leader.set_handler([](const std::string&, const json& body) { return commit_move(body); });
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.wait_for_view(1, 1);

    SECTION("status lists the endpoints")
    {
        Reply reply = harness.get("/status");
        json data = ProxyHarness::check_envelope(reply, 200);
        CHECK(data["leader"] == 1);
        CHECK(data["leader_name"] == leader.address());
        CHECK(data["term"] == 2);
        CHECK(data["nodes"] == 1);
        CHECK(data["reachable"] == 1);
        CHECK(data["cluster"] == "test");
        CHECK(data["redis_connected"] == false);
        CHECK(data["version"].is_string());
        const json& endpoints = reply.json_body["message"]["endpoints"];
        REQUIRE(endpoints.is_array());
        CHECK(endpoints.size() >= 15);
        for (const json& endpoint : endpoints) {
            CHECK(endpoint["method"].is_string());
            CHECK(endpoint["locator"].is_string());
            CHECK(endpoint["description"].is_string());
        }
    }
    SECTION("the root serves the dashboard, or the status as JSON")
    {
        Reply page = harness.get("/");
        CHECK(page.status == 200);
        CHECK(page.content_type.find("text/html") == 0);
        Reply json_status = harness.get("/", {{"Accept", "application/json"}});
        CHECK(ProxyHarness::check_envelope(json_status, 200)["leader"] == 1);
    }
    SECTION("unknown paths and methods are a 404 envelope")
    {
        ProxyHarness::check_envelope(harness.get("/nope"), 404);
        ProxyHarness::check_envelope(harness.get("/nodes/"), 404);
        ProxyHarness::check_envelope(harness.post("/nodes", "{}"), 404);
    }
    SECTION("bad move coordinates")
    {
        for (const char* query :
             {"/nodes/move?x=abc&y=0", "/nodes/move?x=1.5&y=0", "/nodes/move?x=1",
              "/nodes/move?x=1000001&y=0", "/nodes/move?x=0&y=-1000001", "/nodes/move?x=+1&y=0",
              "/nodes/move?x=1&y=1&client_id=a", "/nodes/move?x=1&y=1&sequence=2",
              "/nodes/move?x=1&y=1&client_id=a%20b&sequence=2",
              "/nodes/move?x=1&y=1&client_id=a&sequence=0"}) {
            INFO(query);
            ProxyHarness::check_envelope(harness.get(query), 400);
        }
        for (const char* body :
             {"{\"x\": 1,", "[1, 2]", "{\"x\": 1}", "{\"x\": 1.5, \"y\": 0}",
              "{\"x\": \"1\", \"y\": 0}", "{\"x\": 1, \"y\": 0, \"z\": 3}", "{\"x\": 1, \"dy\": 0}",
              "{\"x\": 1, \"y\": 18446744073709551615}", "{\"x\": 1, \"y\": 0, \"sequence\": 3}",
              "{\"x\": 1, \"y\": 0, \"client_id\": 5, \"sequence\": 3}"}) {
            INFO(body);
            ProxyHarness::check_envelope(harness.post("/nodes/move", body), 400);
        }
        CHECK(leader.received().empty());
    }
    SECTION("a body over 16 KiB is 413")
    {
        std::string big = "{\"x\": 1, \"y\": 0, \"pad\": \"" + std::string(17000, 'a') + "\"}";
        ProxyHarness::check_envelope(harness.post("/nodes/move", big), 413);
        ProxyHarness::check_envelope(harness.post("/mission", big), 413);
    }
    SECTION("bad terms, addresses and mission actions")
    {
        for (const char* query : {"/elections?term=abc", "/elections?term=0", "/leaders?term=-3",
                                  "/leaders?term=", "/logs?from=-1", "/logs?limit=x"}) {
            INFO(query);
            ProxyHarness::check_envelope(harness.get(query), 400);
        }
        ProxyHarness::check_envelope(harness.get("/nodes?ip=10.9.9.9:1"), 404);
        ProxyHarness::check_envelope(harness.get("/logs?ip=10.9.9.9"), 404);
        ProxyHarness::check_envelope(harness.post("/mission", "{\"action\": \"fly\"}"), 400);
        ProxyHarness::check_envelope(harness.post("/mission", "{\"action\": \"set\", \"x\": 1}"),
                                     400);
        ProxyHarness::check_envelope(
            harness.post("/members/add", "{\"id\": 0, \"address\": \"a:1\"}"), 400);
        ProxyHarness::check_envelope(
            harness.post("/members/add", "{\"id\": 4, \"address\": \"a\"}"), 400);
        ProxyHarness::check_envelope(harness.post("/members/remove", "{\"id\": \"2\"}"), 400);
        ProxyHarness::check_envelope(harness.post("/transfer-leader", "{\"to\": -1}"), 400);
    }
    SECTION("records need Redis: 503 while it is unreachable")
    {
        for (const char* path :
             {"/elections", "/leaders", "/elections?term=2", "/leaders?term=2"}) {
            INFO(path);
            Reply reply = harness.get(path);
            ProxyHarness::check_envelope(reply, 503);
            CHECK(reply.json_body["message"].get<std::string>().find("Redis unreachable") == 0);
        }
    }
}

TEST_CASE("proxy: a move goes to the leader and answers with names and its request id", "[proxy]")
{
    FakeNode leader(1);
    leader.set_status(leader_status(leader, json::array(), json::array({1})));
    // Tracks moves in flight per client id: one client id must never have
    // two at once, or a later sequence could overtake an earlier one.
    std::mutex mutex;
    std::set<std::string> in_flight;
    std::atomic<bool> overlap{false};
    leader.set_handler([&](const std::string&, const json& body) {
        const std::string client = body.value("client_id", "");
        {
            std::lock_guard lock(mutex);
            overlap = overlap || !in_flight.insert(client).second;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        {
            std::lock_guard lock(mutex);
            in_flight.erase(client);
        }
        return commit_move(body);
    });
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.wait_for_view(1, 1);

    json data =
        ProxyHarness::check_envelope(harness.post("/nodes/move", R"({"x": 3, "y": -2})"), 200);
    CHECK(data["result"] == "moved");
    CHECK(data["term"] == 2);
    CHECK(data["index"] == 12);
    CHECK(data["lead"] == json::array({3, -2}));
    REQUIRE(data["positions"].size() == 1);
    CHECK(data["positions"][0]["id"] == 1);
    CHECK(data["positions"][0]["node"] == leader.address());
    CHECK(data["positions"][0]["_name"] == leader.address());
    CHECK(data["positions"][0]["position"] == json::array({1, 0}));
    const std::string proxy_client = data["client_id"];
    CHECK(proxy_client.rfind("proxy-", 0) == 0);
    CHECK(data["sequence"] == 1);
    REQUIRE(leader.received().size() == 1);
    // The leader's term rides along as the fencing token.
    CHECK(leader.received()[0].second
          == json(
              {{"dx", 3}, {"dy", -2}, {"client_id", proxy_client}, {"sequence", 1}, {"term", 2}}));

    data = ProxyHarness::check_envelope(
        harness.get("/nodes/move?x=-1&y=4&client_id=script.7&sequence=42"), 200);
    CHECK(data["client_id"] == "script.7");
    CHECK(data["sequence"] == 42);
    CHECK(
        leader.received().back().second
        == json({{"dx", -1}, {"dy", 4}, {"client_id", "script.7"}, {"sequence", 42}, {"term", 2}}));
    data = ProxyHarness::check_envelope(
        harness.post("/nodes/move", R"({"dx": 2, "dy": 2, "client_id": "c", "sequence": 9})"), 200);
    CHECK(data["client_id"] == "c");

    // Many moves at once without ids: each gets a distinct (id, sequence),
    // and an id is never used by two moves at the same time.
    std::vector<std::thread> clients;
    std::vector<int> statuses(40, 0);
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        clients.emplace_back([&, i] { statuses[i] = harness.get("/nodes/move?x=1&y=0").status; });
    }
    for (std::thread& client : clients) {
        client.join();
    }
    for (int status : statuses) {
        CHECK(status == 200);
    }
    CHECK_FALSE(overlap.load());
    std::set<std::pair<std::string, std::uint64_t>> ids;
    std::map<std::string, std::uint64_t> last_sequence;
    for (const auto& [path, body] : leader.received()) {
        const std::string client = body["client_id"];
        const std::uint64_t sequence = body["sequence"];
        CHECK(ids.emplace(client, sequence).second);
        if (client.rfind("proxy-", 0) == 0) {
            CHECK(sequence > last_sequence[client]);
            last_sequence[client] = sequence;
        }
    }
    CHECK(ids.size() == 43);
}

TEST_CASE("proxy: an unreachable node stays listed with the leader view of it", "[proxy]")
{
    FakeNode leader(1);
    const std::string gone = refused_address();
    leader.set_status(leader_status(leader, json::array({peer(2, gone, 5)}), json::array({1, 2})));
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return harness.proxy().view().snapshot()->nodes.size() == 2; }));
    REQUIRE(eventually([&] {
        std::shared_ptr<const ClusterSnapshot> snapshot = harness.proxy().view().snapshot();
        const NodeView* node = snapshot->find(2);
        return node != nullptr && node->last_error != "not polled yet";
    }));

    json nodes = ProxyHarness::check_envelope(harness.get("/nodes"), 200);
    REQUIRE(nodes.size() == 2);
    CHECK(nodes[0]["id"] == 1);
    CHECK(nodes[0]["role"] == "leader");
    CHECK(nodes[0]["name"] == leader.address());
    CHECK(nodes[0]["_name"] == leader.address());
    CHECK(nodes[0]["lag"] == 0);
    CHECK(nodes[0]["position"] == json::array({1, 0}));
    CHECK(nodes[1]["id"] == 2);
    CHECK(nodes[1]["name"] == gone);
    CHECK(nodes[1]["role"] == "unreachable");
    CHECK(nodes[1]["lag"] == 5);
    CHECK(nodes[1]["last_contact_ms"] == 7);
    // Where the replicated state puts it, as the leader knows.
    CHECK(nodes[1]["position"] == json::array({4, 1}));

    json one = ProxyHarness::check_envelope(harness.get("/nodes?ip=" + gone), 200);
    CHECK(one["id"] == 2);
    json full = ProxyHarness::check_envelope(harness.get("/nodes/full"), 200);
    REQUIRE(full.size() == 2);
    CHECK(full[0]["role"] == "leader");
    CHECK(full[0]["_name"] == leader.address());
    CHECK(full[0].contains("mission"));
    CHECK(full[1] == json({{"id", 2}, {"name", gone}, {"_name", gone}, {"role", "unreachable"}}));
    json positions = ProxyHarness::check_envelope(harness.get("/nodes/position"), 200);
    REQUIRE(positions.size() == 2);
    CHECK(positions[1]
          == json({{"node", gone},
                   {"_name", gone},
                   {"id", 2},
                   {"role", "unreachable"},
                   {"position", json::array({4, 1})}}));

    json logs = ProxyHarness::check_envelope(harness.get("/logs"), 200);
    CHECK(logs.size() == 1);
    CHECK(logs[leader.address()][0]["command"] == "move 1 0");
    json own = ProxyHarness::check_envelope(harness.get("/logs?ip=" + leader.address()), 200);
    CHECK(own.size() == 1);
    ProxyHarness::check_envelope(harness.get("/logs?ip=" + gone), 503);
    json mission = ProxyHarness::check_envelope(harness.get("/mission"), 200);
    CHECK(mission
          == json({{"target", json::array({100, 0})},
                   {"running", false},
                   {"steps_taken", 0},
                   {"lead", json::array({0, 0})}}));
}

TEST_CASE("proxy: membership and leadership requests", "[proxy]")
{
    FakeNode leader(1);
    FakeNode behind(2);
    FakeNode ahead(3);
    const std::string gone = refused_address();
    leader.set_handler([](const std::string& path, const json& body) {
        if (path == "/transfer-leader") {
            return FakeAnswer{200, json{{"from", 1}, {"to", body["to"]}, {"term", 3}}};
        }
        return FakeAnswer{200, json{{"term", 2}, {"index", 30}}};
    });
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);

    SECTION("removal that leaves no reachable majority is refused unless forced")
    {
        leader.set_status(
            leader_status(leader, json::array({peer(2, behind.address(), 8), peer(4, gone, 1)}),
                          json::array({1, 2, 4})));
        REQUIRE(eventually([&] { return harness.proxy().view().snapshot()->nodes.size() == 3; }));
        behind.stop();
        REQUIRE(
            eventually([&] { return harness.proxy().view().snapshot()->reachable_count() == 1; }));
        Reply refused = harness.post("/members/remove", R"({"id": 2})");
        ProxyHarness::check_envelope(refused, 409);
        CHECK(refused.json_body["message"].get<std::string>().find("force") != std::string::npos);
        CHECK(leader.received().empty());
        json data = ProxyHarness::check_envelope(
            harness.post("/members/remove", R"({"id": 2, "force": true})"), 200);
        CHECK(data["index"] == 30);
        REQUIRE(leader.received().size() == 1);
        CHECK(leader.received()[0]
              == std::make_pair(std::string("/members/remove"), json({{"id", 2}})));
    }
    SECTION("transfer goes to the most caught-up reachable voter")
    {
        leader.set_status(
            leader_status(leader,
                          json::array({peer(2, behind.address(), 8), peer(3, ahead.address(), 10),
                                       peer(4, gone, 10)}),
                          json::array({1, 2, 3, 4})));
        REQUIRE(
            eventually([&] { return harness.proxy().view().snapshot()->reachable_count() == 3; }));
        json data = ProxyHarness::check_envelope(harness.post("/transfer-leader", "{}"), 200);
        CHECK(data == json({{"from", 1}, {"to", 3}, {"term", 3}}));
        data = ProxyHarness::check_envelope(harness.post("/transfer-leader", R"({"to": 2})"), 200);
        CHECK(data["to"] == 2);
    }
    SECTION("adding a member goes to the leader's /join")
    {
        leader.set_status(leader_status(leader, json::array(), json::array({1})));
        harness.wait_for_view(1, 1);
        json data = ProxyHarness::check_envelope(
            harness.post("/members/add", R"({"id": 6, "address": "127.0.0.1:7006"})"), 200);
        CHECK(data["index"] == 30);
        REQUIRE(leader.received().size() == 1);
        CHECK(leader.received()[0]
              == std::make_pair(std::string("/join"),
                                json({{"id", 6}, {"address", "127.0.0.1:7006"}})));
        // The proxy polls the new node from now on, and lists it (not yet
        // started: unreachable) once the leader counts it as a learner.
        json status = leader_status(leader, json::array(), json::array({1}));
        status["learners"] = json::array({6});
        leader.set_status(status);
        REQUIRE(eventually([&] {
            std::shared_ptr<const ClusterSnapshot> snapshot = harness.proxy().view().snapshot();
            const NodeView* added = snapshot->find(6);
            return added != nullptr && added->name == "127.0.0.1:7006";
        }));
    }
}

TEST_CASE("proxy: a move with no leader is 503 within the request budget and never 200", "[proxy]")
{
    FakeNode follower(1);
    follower.set_handler([](const std::string&, const json&) {
        return FakeAnswer{421, json{{"error", "no leader"}, {"leader", 0}, {"leader_name", ""}}};
    });
    ProxyHarness harness(800);
    harness.proxy().view().learn(1, follower.address(), AddressSource::registry);
    harness.wait_for_view(1, 0);
    const auto start = std::chrono::steady_clock::now();
    Reply reply = harness.get("/nodes/move?x=1&y=1");
    const auto took = std::chrono::steady_clock::now() - start;
    ProxyHarness::check_envelope(reply, 503);
    const std::string message = reply.json_body["message"];
    CHECK(message.find("knows no leader") != std::string::npos);
    CHECK(message.find("may or may not be applied") != std::string::npos);
    CHECK(took >= std::chrono::milliseconds(790));
    CHECK(took < std::chrono::milliseconds(1800));
}
