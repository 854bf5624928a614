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
#include <tuple>
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
        // The original project's message: its address, port (a string, as
        // the original's) and a note, beside the endpoints.
        const json& message = reply.json_body["message"];
        CHECK(message["internal_ip"] == "127.0.0.1");
        CHECK(message["port"] == std::to_string(harness.port()));
        CHECK(message["note"].is_string());
        const json& endpoints = message["endpoints"];
        REQUIRE(endpoints.is_array());
        CHECK(endpoints.size() >= 15);
        for (const json& endpoint : endpoints) {
            CHECK(endpoint["method"].is_string());
            CHECK(endpoint["locator"].is_string());
            CHECK(endpoint["description"].is_string());
        }
    }
    SECTION("the root serves browsers the dashboard, others the original's redirect")
    {
        Reply page = harness.get("/", {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
        CHECK(page.status == 200);
        CHECK(page.content_type.find("text/html") == 0);
        // Every file of src/proxy/dashboard is compiled in where index.html
        // names it: its style, its three scripts, and no marker left over.
        CHECK_THAT(page.body, Catch::Contains("<title>raftescort dashboard</title>"));
        CHECK_THAT(page.body, Catch::Contains("--leader: #d89614"));
        CHECK_THAT(page.body, Catch::Contains("function byId"));
        CHECK_THAT(page.body, Catch::Contains("function svgElement"));
        CHECK_THAT(page.body, Catch::Contains("function queueTimelineRender"));
        CHECK_THAT(page.body, Catch::Contains("start();"));
        CHECK_THAT(page.body, !Catch::Contains("@embed"));
        CHECK(page.body.size() > 40000);
        // curl and most libraries accept anything: the original answered
        // them with a redirect to /status.
        for (const char* accept : {"*/*", ""}) {
            INFO("Accept: " << accept);
            httplib::Client client("127.0.0.1", harness.port());
            auto answer = client.Get("/", {{"Accept", accept}});
            REQUIRE(answer);
            CHECK(answer->status == 302);
            CHECK(answer->get_header_value("Location") == "/status");
        }
        Reply json_status = harness.get("/", {{"Accept", "application/json"}});
        CHECK(ProxyHarness::check_envelope(json_status, 200)["leader"] == 1);
    }
    SECTION("unknown paths are a 404 envelope, other methods a 405 that lists the right ones")
    {
        ProxyHarness::check_envelope(harness.get("/nope"), 404);
        ProxyHarness::check_envelope(harness.get("/nodes/"), 404);
        Reply wrong_method = harness.post("/nodes", "{}");
        ProxyHarness::check_envelope(wrong_method, 405);
        CHECK(wrong_method.json_body["message"].get<std::string>().find("GET, HEAD")
              != std::string::npos);
    }
    SECTION("bad move coordinates")
    {
        for (const char* query :
             {"/nodes/move?x=abc&y=0", "/nodes/move?x=1.5&y=0", "/nodes/move?x=1&y=",
              "/nodes/move?x=1000001&y=0", "/nodes/move?y=1000001", "/nodes/move?x=0&y=-1000001",
              "/nodes/move?x=+1&y=0", "/nodes/move?x=1&y=1&client_id=a",
              "/nodes/move?x=1&y=1&sequence=2", "/nodes/move?x=1&y=1&client_id=a%20b&sequence=2",
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
        // Bytes that are not UTF-8 are quoted back without ending the proxy.
        ProxyHarness::check_envelope(harness.get("/%FF"), 404);
        ProxyHarness::check_envelope(harness.get("/nodes?ip=%FF"), 404);
        ProxyHarness::check_envelope(harness.get("/logs?ip=%C3"), 404);
        ProxyHarness::check_envelope(harness.get("/elections?term=%FF"), 400);
        ProxyHarness::check_envelope(harness.get("/nodes/move?x=%FE&y=0"), 400);
        // An unknown key is quoted to 40 bytes, which here cuts a two-byte
        // character in half.
        ProxyHarness::check_envelope(
            harness.post("/nodes/move",
                         "{\"x\": 1, \"y\": 0, \"" + std::string(39, 'k') + "\u00e9\": 1}"),
            400);
        ProxyHarness::check_envelope(harness.get("/status"), 200);
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
    // As in the original, a coordinate the query leaves out is 0.
    for (const auto& [query, dx, dy] :
         {std::tuple{"?x=5", 5, 0}, std::tuple{"?y=-3", 0, -3}, std::tuple{"", 0, 0}}) {
        INFO(query);
        ProxyHarness::check_envelope(harness.get(std::string("/nodes/move") + query), 200);
        CHECK(leader.received().back().second["dx"] == dx);
        CHECK(leader.received().back().second["dy"] == dy);
    }

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
    CHECK(ids.size() == 46);
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

TEST_CASE("proxy: ?ip= finds a node by any address it is known by, never by a guess", "[proxy]")
{
    // Two nodes on one machine, as under docker compose with hostnames for
    // names: each names itself by a hostname, reports its own container IP
    // and one address they share. The proxy reaches both at 127.0.0.1.
    FakeNode leader(1);
    FakeNode follower(2);
    json leader_body = leader_status(leader, json::array(), json::array({1, 2}));
    leader_body["name"] = "node-a:8080";
    leader_body["interface_ips"] = json::array({"10.1.2.3", "192.168.5.5"});
    leader.set_status(leader_body);
    json follower_body = status_body(2, "node-b:8080", "follower", 2, 1, "node-a:8080");
    follower_body["interface_ips"] = json::array({"10.1.2.4", "192.168.5.5", "fd00::4"});
    follower.set_status(follower_body);
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.proxy().view().learn(2, follower.address(), AddressSource::registry);
    harness.wait_for_view(2, 1);

    for (const auto& [address, id] :
         {std::pair{leader.address(), 1}, std::pair{follower.address(), 2},
          std::pair{std::string("node-a:8080"), 1}, std::pair{std::string("node-b"), 2},
          std::pair{std::string("10.1.2.3"), 1}, std::pair{std::string("%2010.1.2.4%20"), 2},
          std::pair{std::string("fd00::4"), 2}}) {
        INFO(address);
        CHECK(ProxyHarness::check_envelope(harness.get("/nodes?ip=" + address), 200)["id"] == id);
    }
    json logs = ProxyHarness::check_envelope(harness.get("/logs?ip=10.1.2.4"), 200);
    CHECK(logs.is_array());
    // An address of both is a question, not an answer: 400 naming them.
    for (const char* shared : {"127.0.0.1", "192.168.5.5"}) {
        INFO(shared);
        Reply reply = harness.get(std::string("/nodes?ip=") + shared);
        ProxyHarness::check_envelope(reply, 400);
        CHECK(reply.json_body["message"].get<std::string>().find("2 nodes") != std::string::npos);
        ProxyHarness::check_envelope(harness.get(std::string("/logs?ip=") + shared), 400);
    }
    ProxyHarness::check_envelope(harness.get("/nodes?ip=10.1.2.5"), 404);
    ProxyHarness::check_envelope(harness.get("/nodes?ip="), 404);
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
    SECTION("a timing change goes to the leader as given; a bad switch is refused first")
    {
        leader.set_status(leader_status(leader, json::array(), json::array({1})));
        harness.wait_for_view(1, 1);
        for (const char* bad : {R"({"pre_vote": "off"})", R"({"check_quorum": 1})", "{}",
                                R"({"reset": true, "pre_vote": true})",
                                R"({"pre_vote": true, "heartbeat_ms": 100})"}) {
            INFO(bad);
            Reply refused = harness.post("/timing", bad);
            ProxyHarness::check_envelope(refused, 400);
        }
        Reply named = harness.post("/timing", R"({"check_quorum": "on"})");
        CHECK(named.json_body["message"] == "field \"check_quorum\" must be true or false");
        CHECK(leader.received().empty());
        json data = ProxyHarness::check_envelope(
            harness.post("/timing", R"({"pre_vote": false, "check_quorum": true})"), 200);
        CHECK(data["index"] == 30);
        REQUIRE(leader.received().size() == 1);
        const auto [path, body] = leader.received()[0];
        CHECK(path == "/timing");
        CHECK(body["pre_vote"] == false);
        CHECK(body["check_quorum"] == true);
        CHECK_FALSE(body.contains("heartbeat_ms"));
    }
    SECTION("adding a member goes to the leader's /members/add, with the cluster token")
    {
        leader.set_status(leader_status(leader, json::array(), json::array({1})));
        harness.wait_for_view(1, 1);
        json data = ProxyHarness::check_envelope(
            harness.post("/members/add", R"({"id": 6, "address": "127.0.0.1:7006"})"), 200);
        CHECK(data["index"] == 30);
        REQUIRE(leader.received().size() == 1);
        CHECK(leader.received()[0]
              == std::make_pair(std::string("/members/add"),
                                json({{"id", 6}, {"address", "127.0.0.1:7006"}})));
        CHECK(leader.received_tokens()[0] == ProxyHarness::k_cluster_token);
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

TEST_CASE("proxy: changes need the admin token; reads and moves do not", "[proxy][auth]")
{
    // Goal: each route that changes the cluster answers 401 in the envelope
    // with no token (saying how to get one, with WWW-Authenticate) and with
    // a wrong one ("wrong admin token"), before looking at the body, and
    // forwards nothing; with the token it forwards. Reads and moves need no
    // token. Every POST must be JSON (415 otherwise), after the token check.
    FakeNode leader(1);
    leader.set_status(leader_status(leader, json::array(), json::array({1})));
    leader.set_handler([](const std::string& path, const json& body) {
        if (path == "/move") {
            return commit_move(body);
        }
        return FakeAnswer{200, json{{"term", 2}, {"index", 31}}};
    });
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.wait_for_view(1, 1);

    const std::pair<const char*, const char*> changes[] = {
        {"/mission", R"({"action": "pause"})"},
        {"/members/add", R"({"id": 6, "address": "127.0.0.1:7006"})"},
        {"/members/remove", R"({"id": 6, "force": true})"},
        {"/transfer-leader", R"({"to": 1})"},
    };
    for (const auto& [path, body] : changes) {
        INFO(path);
        Reply missing = harness.post_with(path, body, {});
        ProxyHarness::check_envelope(missing, 401);
        CHECK(missing.www_authenticate == "Bearer realm=\"raftescort\"");
        const std::string how = missing.json_body["message"];
        CHECK(how.find("Authorization: Bearer TOKEN") != std::string::npos);
        CHECK(how.find("RAFTESCORT_ADMIN_TOKEN") != std::string::npos);
        // A malformed body still gets the 401: the token is checked first.
        ProxyHarness::check_envelope(harness.post_with(path, "{not json", {}), 401);
        for (const char* wrong : {"Bearer proxy-test-admin-tokeX", "Bearer proxy-test-admin-token2",
                                  "Bearer proxy-test-cluster-token",
                                  "Basic cHJveHk6dGVzdA==", "proxy-test-admin-token"}) {
            INFO(wrong);
            Reply refused = harness.post_with(path, body, {{"Authorization", wrong}});
            ProxyHarness::check_envelope(refused, 401);
        }
        Reply wrong =
            harness.post_with(path, body, {{"Authorization", "Bearer nope-nope-nope-nope"}});
        CHECK(wrong.json_body["message"] == "wrong admin token");
        CHECK(wrong.www_authenticate == "Bearer realm=\"raftescort\"");
        // The right token, but a form's content type.
        Reply form = harness.post_with(
            path, body, {{"Authorization", std::string("Bearer ") + ProxyHarness::k_admin_token}},
            "application/x-www-form-urlencoded");
        ProxyHarness::check_envelope(form, 415);
        CHECK(form.json_body["message"].get<std::string>().find("application/json")
              != std::string::npos);
    }
    CHECK(leader.received().empty());

    for (const auto& [path, body] : changes) {
        INFO(path);
        ProxyHarness::check_envelope(harness.post(path, body), 200);
    }
    REQUIRE(leader.received().size() == 4);
    for (const std::string& token : leader.received_tokens()) {
        CHECK(token == ProxyHarness::k_cluster_token);
    }
    // Polls show it too: a node never evicts the proxy's poll connection
    // to make room for a client's.
    CHECK(leader.status_token() == ProxyHarness::k_cluster_token);

    // Reads and moves are open.
    for (const char* path : {"/status", "/nodes", "/nodes/full", "/nodes/position", "/logs",
                             "/mission", "/nodes/move?x=1&y=0"}) {
        INFO(path);
        ProxyHarness::check_envelope(harness.get(path), 200);
    }
    ProxyHarness::check_envelope(harness.post_with("/nodes/move", R"({"x": 1, "y": 0})", {}), 200);
    ProxyHarness::check_envelope(
        harness.post_with("/nodes/move", R"({"x": 1, "y": 0})", {}, "text/plain"), 415);
    ProxyHarness::check_envelope(harness.post_with("/nodes/move", R"({"x": 1, "y": 0})", {},
                                                   "application/json; charset=utf-8"),
                                 200);
}

TEST_CASE("proxy: without a configured admin token it makes one; without a cluster token it "
          "waits for Redis",
          "[proxy][auth]")
{
    // Goal: a proxy started with neither token generates a 64-hex-character
    // admin token (different each start) that admits changes, and until it
    // learns the cluster token (here never: Redis is unreachable) answers
    // its change routes 503 saying so, after the admin token check.
    auto neither = [](ProxySettings& settings) {
        settings.admin_token.clear();
        settings.cluster_token.clear();
    };
    ProxyHarness first(1500, neither);
    ProxyHarness second(1500, neither);
    const std::string token = first.proxy().admin_token();
    CHECK(token.size() == 64);
    CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(token != second.proxy().admin_token());
    CHECK(first.proxy().cluster_token().empty());

    ProxyHarness::check_envelope(first.post_with("/mission", R"({"action": "pause"})", {}), 401);
    Reply waiting = first.post_with("/mission", R"({"action": "pause"})",
                                    {{"Authorization", "Bearer " + token}});
    ProxyHarness::check_envelope(waiting, 503);
    CHECK(waiting.json_body["message"]
          == "the proxy has not learned the cluster token from Redis yet; retry");
}
