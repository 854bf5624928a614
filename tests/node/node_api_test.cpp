// The node's HTTP API over a real NodeLoop: a one-node cluster (so it leads
// and commits alone) on a temp data dir, with a registry whose Redis is
// unreachable (the node must not care), served on an ephemeral port.
// Goal: every answer of the API contract (src/node/node_api.hpp) — 200 only
// after commit, 400 for bad input with the field named, 409 for a voter that
// asks to join again, 413 for a large body — and the shapes scripts read.

#include "node/node_api.hpp"
#include "node/node_loop.hpp"
#include "node/registry_worker.hpp"

#include "support/temp_dir.hpp"
#include "transport/http_test_server.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

namespace {

using namespace raftescort;
using nlohmann::json;

/// One node that founds its own cluster, with everything a real node has
/// except the process around it.
class SingleNode {
public:
    explicit SingleNode(bool autopilot = false) : m_directory("node-api")
    {
        registry::RegistryOptions registry_options;
        registry_options.url.host = "127.0.0.1";
        registry_options.url.port = static_cast<std::uint16_t>(http_test::unused_port());
        registry_options.cluster_id = "api-test";
        m_worker = std::make_unique<node::RegistryWorker>(
            std::make_unique<registry::Registry>(registry_options),
            node::RegistryWorkerOptions{raft::NodeId{1}, "127.0.0.1:1"}, m_addresses, [] {
                return node::RegistrationState{"leader", raft::Term{1}};
            });

        runtime::ReplicaOptions options;
        options.data_dir = m_directory.path() + "/data";
        options.cluster_id = "api-test";
        options.raft.id = raft::NodeId{1};
        options.raft.election_ticks = 10;
        options.raft.heartbeat_ticks = 2;
        options.bootstrap_conf.voters.insert(raft::NodeId{1});
        util::Result<std::unique_ptr<runtime::Replica>> replica = runtime::Replica::open(options);
        REQUIRE(replica.ok());

        node::NodeLoopOptions loop_options;
        loop_options.cluster_id = "api-test";
        loop_options.self_address = "127.0.0.1:1";
        loop_options.tick_ms = 5;
        loop_options.step_interval_ms = 5;
        loop_options.autopilot = autopilot;
        m_loop = std::make_unique<node::NodeLoop>(
            std::move(replica.value()), loop_options, m_addresses, *m_worker,
            [](const std::string& message) { FAIL("fatal: " << message); });
        m_server = std::make_unique<http_test::TestServer>([this](transport::HttpServer& server) {
            node::NodeApiOptions api;
            api.cluster_token = k_cluster_token;
            api.admin_token = k_admin_token;
            node::install_node_api(server, *m_loop, api);
        });
        m_client = std::make_unique<httplib::Client>("127.0.0.1", m_server->port());
        m_client->set_read_timeout(std::chrono::seconds(5));
        REQUIRE(http_test::wait_until([this] { return m_loop->status().committed_in_term; },
                                      std::chrono::seconds(5)));
    }

    httplib::Client& client() { return *m_client; }
    node::NodeLoop& loop() { return *m_loop; }

    /// POSTs `body` to `path` with the cluster token, as the proxy does;
    /// returns the status and the parsed answer.
    std::pair<int, json> post(const std::string& path, const std::string& body)
    {
        return post_with(path, body, {{"X-Raftescort-Token", k_cluster_token}});
    }
    /// POSTs with exactly these headers and Content-Type.
    std::pair<int, json> post_with(const std::string& path, const std::string& body,
                                   const httplib::Headers& headers,
                                   const std::string& content_type = "application/json")
    {
        httplib::Result result = m_client->Post(path.c_str(), headers, body, content_type.c_str());
        REQUIRE(result);
        m_last_headers = result->headers;
        return {result->status, json::parse(result->body, nullptr, false)};
    }
    /// The headers of the last post_with's answer.
    const httplib::Headers& last_headers() const { return m_last_headers; }

    static constexpr const char* k_cluster_token = "node-api-test-cluster-token";
    static constexpr const char* k_admin_token = "node-api-test-admin-token";
    json get(const std::string& path)
    {
        httplib::Result result = m_client->Get(path.c_str());
        REQUIRE(result);
        REQUIRE(result->status == 200);
        return json::parse(result->body);
    }

private:
    testing::TempDir m_directory;
    node::AddressBook m_addresses;
    std::unique_ptr<node::RegistryWorker> m_worker;
    std::unique_ptr<node::NodeLoop> m_loop;
    std::unique_ptr<http_test::TestServer> m_server;
    std::unique_ptr<httplib::Client> m_client;
    httplib::Headers m_last_headers;
};

} // namespace

TEST_CASE("node: the loop and the registry worker run in threads named for them", "[node]")
{
    SingleNode node;
    std::set<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        names.insert(name);
    }
    REQUIRE(names.count("loop") == 1);
    REQUIRE(names.count("registry") == 1);
}

TEST_CASE("node api: a move answers after commit with the new lead and positions", "[node][api]")
{
    SingleNode node;
    auto [status, body] = node.post("/move", R"({"dx": 3, "dy": -2})");
    REQUIRE(status == 200);
    CHECK(body["result"] == "moved");
    CHECK(body["lead"] == json::array({3, -2}));
    CHECK(body["term"].get<std::uint64_t>() >= 1);
    REQUIRE(body["positions"].size() == 1);
    CHECK(body["positions"][0]["id"] == 1);
    CHECK(body["positions"][0]["position"] == json::array({3, -2}));
    // Applied means visible: the status already shows it.
    json state = node.get("/status");
    CHECK(state["lead"] == json::array({3, -2}));
    CHECK(state["applied_index"] == body["index"]);
    CHECK(state["role"] == "leader");
    CHECK(state["voters"] == json::array({1}));
    // The machine's addresses, for the proxy's ?ip=: a short list of text,
    // never empty on a machine with a network (loopback at the least).
    REQUIRE(state["interface_ips"].is_array());
    CHECK(state["interface_ips"].size() <= 16);
    for (const json& address : state["interface_ips"]) {
        CHECK(address.is_string());
        CHECK_FALSE(address.get<std::string>().empty());
    }
}

TEST_CASE("node api: a retried client request is applied once", "[node][api]")
{
    SingleNode node;
    auto first = node.post("/move", R"({"dx": 1, "dy": 0, "client_id": "c-1", "sequence": 7})");
    auto again = node.post("/move", R"({"dx": 1, "dy": 0, "client_id": "c-1", "sequence": 7})");
    REQUIRE(first.first == 200);
    REQUIRE(again.first == 200);
    CHECK(first.second["result"] == "moved");
    CHECK(again.second["result"] == "duplicate");
    CHECK(node.get("/status")["lead"] == json::array({1, 0}));
}

TEST_CASE("node api: bad input is refused with the problem named", "[node][api]")
{
    SingleNode node;
    struct Case {
        const char* body;
        const char* expected;
    };
    const Case cases[] = {
        {R"(not json)", "invalid JSON"},
        {R"({"dx": 1, "dx": 2, "dy": 0})", "duplicate key"},
        {R"([1, 2])", "JSON object"},
        {R"({"dx": 1})", "\"dy\""},
        {R"({"dx": "1", "dy": 0})", "\"dx\" must be an integer"},
        {R"({"dx": 1.5, "dy": 0})", "\"dx\" must be an integer"},
        {R"({"dx": 1, "dy": 99999999999})", "within"},
        {R"({"dx": -99999999999, "dy": 0})", "within"},
        {R"({"dx": 1, "dy": 0, "speed": 2})", "unknown field \"speed\""},
        {R"({"dx": 1, "dy": 0, "client_id": "bad id!", "sequence": 1})", "client_id"},
        {R"({"dx": 1, "dy": 0, "client_id": "c", "sequence": 0})", "sequence"},
        {R"({"dx": 1, "dy": 0, "sequence": 3})", "without client_id"},
        // The unknown key is quoted to 40 bytes, cutting the last character
        // in half: the answer still goes out.
        {R"({"dx": 1, "dy": 0, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\u00e9": 2})",
         "unknown field"},
    };
    for (const Case& test : cases) {
        INFO(test.body);
        auto [status, body] = node.post("/move", test.body);
        CHECK(status == 400);
        CHECK_THAT(body.value("error", std::string()), Catch::Contains(test.expected));
    }
    auto [mission_status, mission_body] = node.post("/mission", R"({"action": "fly"})");
    CHECK(mission_status == 400);
    auto [set_status, set_body] = node.post("/mission", R"({"action": "set", "x": 5})");
    CHECK(set_status == 400);
    CHECK_THAT(set_body.value("error", std::string()), Catch::Contains("\"y\""));
    auto [large_status, large_body] = node.post("/move", std::string(20000, ' '));
    CHECK(large_status == 413);
    // Nothing of the above reached the log.
    CHECK(node.get("/status")["lead"] == json::array({0, 0}));
}

TEST_CASE("node api: mission control runs the convoy to its target", "[node][api]")
{
    SingleNode node;
    auto [set_status, set_body] = node.post("/mission", R"({"action": "set", "x": 4, "y": 3})");
    REQUIRE(set_status == 200);
    CHECK(set_body["mission"]["target"] == json::array({4, 3}));
    CHECK(set_body["mission"]["running"] == false);
    auto [start_status, start_body] = node.post("/mission", R"({"action": "start"})");
    REQUIRE(start_status == 200);
    CHECK(start_body["mission"]["running"] == true);
    REQUIRE(http_test::wait_until(
        [&] {
            return node.loop().status().lead == escort::Point{4, 3};
        },
        std::chrono::seconds(5)));
    // One unit step per entry, never a jump: the log shows each lead point.
    json logs = node.get("/logs");
    int steps = 0;
    for (const json& entry : logs["entries"]) {
        if (entry["command"].get<std::string>().rfind("step ", 0) == 0) {
            ++steps;
        }
    }
    // A unit step moves along one axis: |4| + |3| steps, and stale ones may add.
    CHECK(steps >= 7);
    CHECK(node.get("/status")["mission"]["steps_taken"] == 7);
}

TEST_CASE("node api: a voter asking to join again is refused; a new node is added", "[node][api]")
{
    SingleNode node;
    auto [voter_status, voter_body] = node.post("/join", R"({"id": 1, "address": "127.0.0.1:9"})");
    CHECK(voter_status == 409);
    CHECK_THAT(voter_body.value("error", std::string()), Catch::Contains("voting member"));

    auto [new_status, new_body] = node.post("/join", R"({"id": 2, "address": "127.0.0.1:9"})");
    CHECK(new_status == 200);
    json status = node.get("/status");
    CHECK(status["learners"] == json::array({2}));
    // A learner that never caught up may ask again (it never voted).
    auto [again_status, again_body] = node.post("/join", R"({"id": 2, "address": "127.0.0.1:9"})");
    CHECK(again_status == 200);

    auto [bad_status, bad_body] = node.post("/join", R"({"id": 0, "address": "127.0.0.1:9"})");
    CHECK(bad_status == 400);
    auto [bad_address, bad_address_body] = node.post("/join", R"({"id": 5, "address": "x"})");
    CHECK(bad_address == 400);
}

TEST_CASE("node api: /logs pages through applied entries", "[node][api]")
{
    SingleNode node;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(node.post("/move", R"({"dx": 1, "dy": 0})").first == 200);
    }
    json all = node.get("/logs");
    REQUIRE(all["entries"].size() >= 6); // bootstrap, take_lead, 5 moves
    std::uint64_t last = all["entries"].back()["index"];
    CHECK(all["entries"].back()["command"] == "move 1 0");
    CHECK(all["entries"].back()["type"] == "normal");
    json tail = node.get("/logs?from=" + std::to_string(last - 1) + "&limit=1");
    REQUIRE(tail["entries"].size() == 1);
    CHECK(tail["entries"][0]["index"] == last - 1);
    httplib::Result bad = node.client().Get("/logs?from=abc");
    REQUIRE(bad);
    CHECK(bad->status == 400);
}

TEST_CASE("node api: members can be removed, but never the last voter", "[node][api]")
{
    SingleNode node;
    REQUIRE(node.post("/join", R"({"id": 2, "address": "127.0.0.1:9"})").first == 200);
    auto [removed, removed_body] = node.post("/members/remove", R"({"id": 2})");
    CHECK(removed == 200);
    CHECK(node.get("/status")["learners"] == json::array());

    auto [unknown, unknown_body] = node.post("/members/remove", R"({"id": 7})");
    CHECK(unknown == 409);
    CHECK_THAT(unknown_body.value("error", std::string()), Catch::Contains("not a member"));
    auto [last, last_body] = node.post("/members/remove", R"({"id": 1})");
    CHECK(last == 409);
    CHECK_THAT(last_body.value("error", std::string()), Catch::Contains("last voter"));
    auto [bad, bad_body] = node.post("/members/remove", R"({"id": "two"})");
    CHECK(bad == 400);
}

TEST_CASE("node api: a lone leader has nobody to hand leadership to", "[node][api]")
{
    SingleNode node;
    auto [status, body] = node.post("/transfer-leader", "{}");
    CHECK(status == 409);
    CHECK_THAT(body.value("error", std::string()), Catch::Contains("no other voter"));
    auto [to_self, to_self_body] = node.post("/transfer-leader", R"({"to": 1})");
    CHECK(to_self == 409);
    CHECK(node.get("/status")["role"] == "leader");
}

TEST_CASE("node api: /status carries the counters the proxy's /metrics needs", "[node][api]")
{
    SingleNode node;
    REQUIRE(node.post("/move", R"({"dx": 1, "dy": 0})").first == 200);
    json metrics = node.get("/status")["metrics"];
    CHECK(metrics["elections_started"] == 1);
    CHECK(metrics["elections_won"] == 1);
    CHECK(metrics["leader_changes"].get<std::uint64_t>() >= 1);
    // The bootstrap, the no-op and the move were each saved with an fsync.
    std::uint64_t saves = metrics["fsync"]["count"];
    CHECK(saves >= 3);
    CHECK(metrics["fsync"]["sum_seconds"].get<double>() > 0);
    const json& buckets = metrics["fsync"]["buckets"];
    REQUIRE(buckets.size() == 13);
    // Cumulative: never decreasing, and the last bound holds every sample that fits in 1 s.
    for (std::size_t i = 1; i < buckets.size(); ++i) {
        CHECK(buckets[i]["count"] >= buckets[i - 1]["count"]);
    }
    CHECK(buckets.back()["count"].get<std::uint64_t>() <= saves);
}

TEST_CASE("node api: a proposal fenced with another term is refused with the current one",
          "[node][api]")
{
    SingleNode node;
    std::uint64_t term = node.get("/status")["term"];
    auto [stale, stale_body] =
        node.post("/move", json{{"dx", 1}, {"dy", 0}, {"term", term - 1}}.dump());
    CHECK(stale == 421);
    CHECK(stale_body["leader"] == 1);
    CHECK(stale_body["term"] == term);
    auto [current, current_body] =
        node.post("/move", json{{"dx", 1}, {"dy", 0}, {"term", term}}.dump());
    CHECK(current == 200);
    auto [mission, mission_body] =
        node.post("/mission", json{{"action", "pause"}, {"term", term + 1}}.dump());
    CHECK(mission == 421);
    auto [bad, bad_body] = node.post("/move", R"({"dx": 1, "dy": 0, "term": 0})");
    CHECK(bad == 400);
    // Only the fenced-in move reached the log.
    CHECK(node.get("/status")["lead"] == json::array({1, 0}));
}

TEST_CASE("node api: changes need the admin token or the cluster token; reads and moves do not",
          "[node][api][auth]")
{
    // Goal: every route that changes the cluster refuses a request with no
    // credential (401 saying what to send, WWW-Authenticate set) or a wrong
    // one (401 "wrong"), and admits either the admin token as a Bearer token
    // or the cluster token in X-Raftescort-Token; refused requests change
    // nothing. /join takes only the cluster token (403 otherwise); reads and
    // /move need nothing.
    SingleNode node;
    const std::string admin = std::string("Bearer ") + SingleNode::k_admin_token;
    struct Route {
        const char* path;
        const char* body;
    };
    const Route changes[] = {
        {"/mission", R"({"action": "set", "x": 7, "y": 1})"},
        {"/members/add", R"({"id": 5, "address": "127.0.0.1:9"})"},
        {"/members/remove", R"({"id": 5})"},
        {"/transfer-leader", R"({"to": 1})"},
    };
    for (const Route& route : changes) {
        INFO(route.path);
        auto [missing, missing_body] = node.post_with(route.path, route.body, {});
        CHECK(missing == 401);
        CHECK_THAT(missing_body.value("error", std::string()),
                   Catch::Contains("Authorization: Bearer")
                       && Catch::Contains("X-Raftescort-Token"));
        auto challenge = node.last_headers().find("WWW-Authenticate");
        REQUIRE(challenge != node.last_headers().end());
        CHECK(challenge->second == "Bearer realm=\"raftescort\"");
        const std::string cluster_as_bearer = std::string("Bearer ") + SingleNode::k_cluster_token;
        for (const httplib::Headers& wrong :
             {httplib::Headers{{"Authorization", "Bearer node-api-test-admin-tokeX"}},
              httplib::Headers{{"Authorization", "Basic bm9kZTphcGk="}},
              httplib::Headers{{"X-Raftescort-Token", "node-api-test-cluster-tokeX"}},
              httplib::Headers{{"Authorization", cluster_as_bearer}}}) {
            auto [status, body] = node.post_with(route.path, route.body, wrong);
            CHECK(status == 401);
            CHECK_THAT(body.value("error", std::string()), Catch::Contains("wrong"));
        }
    }
    // Nothing refused took effect.
    json before = node.get("/status");
    CHECK(before["mission"]["target"] == json::array({100, 0}));
    CHECK(before["learners"] == json::array());

    auto [by_admin, by_admin_body] = node.post_with(
        "/mission", R"({"action": "set", "x": 7, "y": 1})", {{"Authorization", admin}});
    CHECK(by_admin == 200);
    auto [by_member, by_member_body] =
        node.post_with("/members/add", R"({"id": 5, "address": "127.0.0.1:9"})",
                       {{"X-Raftescort-Token", SingleNode::k_cluster_token}});
    CHECK(by_member == 200);
    json after = node.get("/status");
    CHECK(after["mission"]["target"] == json::array({7, 1}));
    CHECK(after["learners"] == json::array({5}));
    auto [removed, removed_body] =
        node.post_with("/members/remove", R"({"id": 5})", {{"Authorization", admin}});
    CHECK(removed == 200);

    // /join is for members: the admin token is not enough.
    auto [join_missing, join_missing_body] =
        node.post_with("/join", R"({"id": 6, "address": "127.0.0.1:9"})", {});
    CHECK(join_missing == 403);
    auto [join_admin, join_admin_body] = node.post_with(
        "/join", R"({"id": 6, "address": "127.0.0.1:9"})", {{"Authorization", admin}});
    CHECK(join_admin == 403);
    auto [join_wrong, join_wrong_body] =
        node.post_with("/join", R"({"id": 6, "address": "127.0.0.1:9"})",
                       {{"X-Raftescort-Token", "node-api-test-cluster-token-"}});
    CHECK(join_wrong == 403);
    CHECK(node.get("/status")["learners"] == json::array());

    // Reads and moves are open.
    for (const char* path : {"/health", "/status", "/position", "/logs"}) {
        INFO(path);
        httplib::Result read = node.client().Get(path);
        REQUIRE(read);
        CHECK(read->status == 200);
    }
    auto [moved, moved_body] = node.post_with("/move", R"({"dx": 1, "dy": 0})", {});
    CHECK(moved == 200);
}

TEST_CASE("node api: a POST must be sent as application/json", "[node][api][auth]")
{
    // Goal: every POST route answers 415 naming the expected type for a
    // form's types or none at all, and accepts parameters on JSON; the
    // credential is checked first, so an anonymous form post learns only 401.
    SingleNode node;
    const httplib::Headers member{{"X-Raftescort-Token", SingleNode::k_cluster_token}};
    for (const char* path :
         {"/move", "/mission", "/join", "/members/add", "/members/remove", "/transfer-leader"}) {
        INFO(path);
        for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x"}) {
            auto [status, body] = node.post_with(path, R"({"dx": 1, "dy": 0})", member, type);
            CHECK(status == 415);
            CHECK_THAT(body.value("error", std::string()), Catch::Contains("application/json"));
        }
    }
    auto [anonymous, anonymous_body] =
        node.post_with("/mission", R"({"action": "pause"})", {}, "text/plain");
    CHECK(anonymous == 401);
    auto [charset, charset_body] =
        node.post_with("/move", R"({"dx": 1, "dy": 0})", {}, "application/json; charset=utf-8");
    CHECK(charset == 200);
}

TEST_CASE("node api: a built-in fault is put in force, shown, refused when malformed, healed",
          "[node][api][chaos]")
{
    // Goal: POST /chaos checks a fault field by field before the loop sees
    // it; a good one is in force at once with its time left in GET /chaos
    // and /status; a pause holds a move until it heals itself, and the move
    // then commits; {"kind": "heal"} clears everything.
    SingleNode node;
    struct Case {
        const char* body;
        const char* expected;
    };
    const Case refused[] = {
        {R"({"kind": "melt"})", "unknown fault kind"},
        {R"({"kind": "partition"})", "needs \"peers\""},
        {R"({"kind": "partition", "peers": [1]})", "names this node"},
        {R"({"kind": "drop", "rate": 2})", "0 < rate <= 1"},
        {R"({"kind": "isolate", "rate": 0.5})", "does not apply to isolate"},
        {R"({"kind": "isolate", "volume": 11})", "unknown field \"volume\""},
        {R"({"kind": "heal", "for_ms": 5})", "no other field"},
        {R"({"kind": "pause", "for_ms": 0})", "\"for_ms\""},
    };
    for (const Case& test : refused) {
        INFO(test.body);
        auto [status, body] = node.post("/chaos", test.body);
        CHECK(status == 400);
        CHECK_THAT(body.value("error", std::string()), Catch::Contains(test.expected));
    }
    CHECK(node.get("/chaos")["faults"].empty());

    auto [delayed, delay_body] =
        node.post("/chaos", R"({"kind": "delay", "delay_ms": 50, "peers": [2], "by": "test"})");
    REQUIRE(delayed == 200);
    REQUIRE(delay_body["faults"].size() == 1);
    CHECK(delay_body["faults"][0]["description"] == "delay 50ms on links to 2 for 60s by test");
    CHECK(node.get("/status")["faults"].size() == 1);

    auto [paused, pause_body] = node.post("/chaos", R"({"kind": "pause", "for_ms": 300})");
    REQUIRE(paused == 200);
    CHECK(pause_body["faults"].size() == 2);
    const auto sent = std::chrono::steady_clock::now();
    auto [moved, move_body] = node.post("/move", R"({"dx": 1, "dy": 0})");
    const auto waited = std::chrono::steady_clock::now() - sent;
    INFO(move_body.dump());
    CHECK(moved == 200);
    CHECK(waited >= std::chrono::milliseconds(200));
    CHECK(node.get("/chaos")["faults"].size() == 1);

    auto [healed, heal_body] = node.post("/chaos", R"({"kind": "heal"})");
    CHECK(healed == 200);
    CHECK(heal_body["faults"].empty());
    CHECK(node.get("/status")["faults"].empty());
}
