// Integration: the proxy's HTTP API (include/raftescort/proxy/proxy.hpp)
// against a real 5-node cluster, a real redis-server and a real
// `raftescort proxy` process: every endpoint's shape and envelope, the
// original project's aliases, input validation, moves answered after
// commit, an unreachable node, server-sent events, metrics, and a clean stop.

#include "integration/local_cluster.hpp"
#include "integration/proxy_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

constexpr Milliseconds k_move_timeout{10000};

json get_data(NodeClient& proxy, const std::string& path, int status = 200)
{
    INFO("GET " << path);
    return envelope_data(proxy.get(path, Milliseconds(5000)), status);
}

json post_data(NodeClient& proxy, const std::string& path, const json& body, int status = 200)
{
    INFO("POST " << path << " " << body.dump());
    return envelope_data(proxy.post(path, body, k_move_timeout), status);
}

void check_point(const json& value)
{
    INFO(value.dump());
    REQUIRE(value.is_array());
    REQUIRE(value.size() == 2);
    CHECK(value[0].is_number_integer());
    CHECK(value[1].is_number_integer());
}

/// The proxy lists `count` nodes, all reachable, and the cluster's leader.
json wait_for_proxy_view(NodeClient& proxy, std::size_t count, std::uint64_t leader)
{
    json nodes;
    bool seen = poll_until(Milliseconds(10000), [&] {
        HttpReply reply = proxy.get("/nodes");
        if (reply.status != 200) {
            return false;
        }
        nodes = reply.json["data"];
        std::size_t reachable = 0;
        bool leader_seen = false;
        for (const json& node : nodes) {
            reachable += node["role"] != "unreachable" ? 1 : 0;
            leader_seen = leader_seen || (node["id"] == leader && node["role"] == "leader");
        }
        return nodes.size() == count && reachable == count && leader_seen;
    });
    INFO("last /nodes: " << nodes.dump());
    REQUIRE(seen);
    return nodes;
}

/// Every line is `name{labels} value` or a # HELP / # TYPE comment.
void check_metrics_text(const std::string& text)
{
    static const std::regex sample(
        R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")re"
        R"re((,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? )re"
        R"re((-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[+-]Inf|NaN)$)re");
    static const std::regex comment(R"re(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)re");
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (!std::regex_match(line, sample) && !std::regex_match(line, comment)) {
            FAIL_CHECK("not a metric line: " << line);
        }
    }
}

/// What the steps of the contract test share.
struct Contract {
    LocalCluster& cluster;
    ProxyProcess& process;
    NodeClient& proxy;
    NodeStatus leader;
};

/// A follower of the current leader (the highest id that is not the leader).
std::uint64_t some_follower(const Contract& contract, std::set<std::uint64_t> excluded = {})
{
    for (std::uint64_t id = 5; id >= 1; --id) {
        if (id != contract.leader.id && excluded.count(id) == 0) {
            return id;
        }
    }
    FAIL("no follower left");
    return 0;
}

void check_status(Contract& contract)
{
    NodeClient& proxy = contract.proxy;
    HttpReply reply = proxy.get("/status");
    json status = envelope_data(reply, 200);
    CHECK(status["cluster"] == contract.cluster.options().name);
    CHECK(status["leader"] == contract.leader.id);
    CHECK(status["leader_name"] == contract.leader.name);
    CHECK(status["term"] == contract.leader.term);
    CHECK(status["nodes"] == 5);
    CHECK(status["reachable"] == 5);
    CHECK(status["version"].is_string());
    CHECK(reply.json["message"]["internal_ip"] == "127.0.0.1");
    CHECK(reply.json["message"]["port"] == std::to_string(contract.process.port()));
    CHECK(reply.json["message"]["note"].is_string());
    CHECK(poll_until(Milliseconds(5000), [&] {
        return proxy.get("/status").json["data"].value("redis_connected", false);
    }));
    const json& endpoints = reply.json["message"]["endpoints"];
    REQUIRE(endpoints.is_array());
    std::set<std::string> locators;
    for (const json& endpoint : endpoints) {
        CHECK(endpoint["method"].is_string());
        CHECK(endpoint["description"].is_string());
        locators.insert(endpoint["method"].get<std::string>() + " "
                        + endpoint["locator"].get<std::string>());
    }
    for (const char* expected :
         {"GET /", "GET /status", "GET /nodes", "GET /nodes/full", "GET /nodes/position",
          "GET /nodes/move?x=N&y=N", "POST /nodes/move", "GET /mission", "POST /mission",
          "GET /elections", "GET /leaders", "GET /logs", "POST /members/add",
          "POST /members/remove", "POST /transfer-leader", "GET /metrics", "GET /events"}) {
        CHECK(locators.count(expected) == 1);
    }
    httplib::Client client("127.0.0.1", contract.process.port());
    auto page = client.Get("/", {{"Accept", "text/html"}});
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Content-Type").find("text/html") == 0);
    // Anyone but a browser gets the original's answer: a redirect to /status.
    auto redirected = client.Get("/", {{"Accept", "*/*"}});
    REQUIRE(redirected);
    CHECK(redirected->status == 302);
    CHECK(redirected->get_header_value("Location") == "/status");
    auto answer = client.Get("/", {{"Accept", "application/json"}});
    REQUIRE(answer);
    CHECK(json::parse(answer->body)["data"]["leader"] == contract.leader.id);
}

void check_nodes(Contract& contract, const json& nodes)
{
    LocalCluster& cluster = contract.cluster;
    REQUIRE(nodes.size() == 5);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const json& node = nodes[i];
        const std::uint64_t id = i + 1;
        INFO(node.dump());
        CHECK(node["id"] == id);
        CHECK(node["name"] == cluster.address_of(id));
        CHECK(node["_name"] == node["name"]);
        CHECK(node["term"] == contract.leader.term);
        check_point(node["position"]);
        CHECK(node["commit_index"].is_number_unsigned());
        CHECK(node["applied_index"].is_number_unsigned());
        CHECK(node["lag"].is_number_unsigned());
        CHECK((node["last_contact_ms"].is_number() || node["last_contact_ms"].is_null()));
        CHECK(node["role"] == (id == contract.leader.id ? "leader" : "follower"));
    }
    const std::uint64_t follower = some_follower(contract);
    CHECK(get_data(contract.proxy, "/nodes?ip=" + cluster.address_of(follower))["id"] == follower);
    CHECK(get_data(contract.proxy, "/nodes?ip=" + cluster.host_of(follower))["id"] == follower);
    get_data(contract.proxy, "/nodes?ip=10.255.0.1:9", 404);
    json full = get_data(contract.proxy, "/nodes/full");
    REQUIRE(full.size() == 5);
    for (const json& node : full) {
        CHECK(node["_name"] == node["name"]);
        for (const char* field : {"id", "role", "term", "commit_index", "peers", "mission"}) {
            CHECK(node.contains(field));
        }
    }
    json positions = get_data(contract.proxy, "/nodes/position");
    REQUIRE(positions.size() == 5);
    for (const json& entry : positions) {
        CHECK(entry["node"] == cluster.address_of(entry["id"].get<std::uint64_t>()));
        CHECK(entry["_name"] == entry["node"]);
        CHECK(entry["role"].is_string());
        check_point(entry["position"]);
    }
}

/// Moves answer after commit, with the positions; a retried request id is
/// a duplicate that moves nothing. Returns the index of the first move.
std::uint64_t check_moves(Contract& contract)
{
    LocalCluster& cluster = contract.cluster;
    const Point lead = cluster.wait_for_leader().lead;
    json moved = get_data(contract.proxy, "/nodes/move?x=2&y=1");
    CHECK(moved["result"] == "moved");
    CHECK(moved["term"] == contract.leader.term);
    CHECK(moved["lead"] == json::array({lead.x + 2, lead.y + 1}));
    REQUIRE(moved["positions"].size() == 5);
    for (const json& entry : moved["positions"]) {
        CHECK(entry["node"] == cluster.address_of(entry["id"].get<std::uint64_t>()));
        CHECK(entry["_name"] == entry["node"]);
        check_point(entry["position"]);
    }
    const std::uint64_t index = moved["index"];
    const std::string proxy_client = moved["client_id"];
    CHECK(proxy_client.rfind("proxy-", 0) == 0);
    // Committed and applied: the leader's log of applied entries holds it.
    auto entries = cluster.fetch_log(contract.leader.id, index, index);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].command
          == "move 2 1 c=" + proxy_client
                 + " s=" + std::to_string(moved["sequence"].get<std::uint64_t>()));
    json body_move = post_data(contract.proxy, "/nodes/move",
                               {{"x", -1}, {"y", 0}, {"client_id", "contract"}, {"sequence", 1}});
    CHECK(body_move["result"] == "moved");
    CHECK(body_move["lead"] == json::array({lead.x + 1, lead.y + 1}));
    json again = post_data(contract.proxy, "/nodes/move",
                           {{"dx", -1}, {"dy", 0}, {"client_id", "contract"}, {"sequence", 1}});
    CHECK(again["result"] == "duplicate");
    CHECK(again["lead"] == body_move["lead"]);
    return index;
}

void check_bad_input(Contract& contract)
{
    NodeClient& proxy = contract.proxy;
    for (const char* path :
         {"/nodes/move?x=abc&y=1", "/nodes/move?x=1000001&y=0",
          "/nodes/move?x=1&y=", "/elections?term=abc", "/leaders?term=0", "/logs?from=x"}) {
        get_data(proxy, path, 400);
    }
    post_data(proxy, "/nodes/move", json::array({1, 2}), 400);
    // A GET may leave out x or y (0, as in the original); a POST may not.
    post_data(proxy, "/nodes/move", {{"x", 1}}, 400);
    post_data(proxy, "/nodes/move", {{"x", 1}, {"y", 1}, {"z", 1}}, 400);
    post_data(proxy, "/nodes/move", {{"x", 1}, {"y", 1}, {"pad", std::string(17000, 'a')}}, 413);
    httplib::Client client("127.0.0.1", contract.process.port());
    auto malformed = client.Post("/nodes/move", "{\"x\": 1,", "application/json");
    REQUIRE(malformed);
    envelope_data(HttpReply{malformed->status, "", malformed->body, json::parse(malformed->body)},
                  400);
    get_data(proxy, "/no/such/path", 404);
    get_data(proxy, "/elections?term=999999", 404);
    get_data(proxy, "/leaders?term=999999", 404);
}

/// The leader of the current term and its election, with the aliases.
void check_records(Contract& contract)
{
    NodeClient& proxy = contract.proxy;
    const NodeStatus& leader = contract.leader;
    const std::string term = std::to_string(leader.term);
    REQUIRE(poll_until(Milliseconds(10000),
                       [&] { return proxy.get("/leaders?term=" + term).status == 200; }));
    json leaders = get_data(proxy, "/leaders");
    const json& record = leaders[term];
    INFO(record.dump());
    CHECK(record["id"] == leader.id);
    CHECK(record["name"] == leader.name);
    CHECK(record["_name"] == leader.name);
    CHECK(record["term"] == leader.term);
    CHECK(record["no_of_votes"] == record["votes"]);
    CHECK(record["no_of_expected_voters"] == record["voters"]);
    CHECK(record["leader_by_timeout"] == false);
    // The original's units: float seconds beside our integer milliseconds.
    CHECK(record["timestamp_ms"].is_number_integer());
    REQUIRE(record["timestamp"].is_number_float());
    CHECK(std::abs(record["timestamp"].get<double>() * 1000 - record["timestamp_ms"].get<double>())
          < 1.0);
    // The voters that granted, by name and by id, the leader itself left out.
    REQUIRE(record["voted_for_me"].is_array());
    REQUIRE(record["voted_for_me_ids"].is_array());
    CHECK(record["voted_for_me"].size() == record["voted_for_me_ids"].size());
    CHECK(record["voted_for_me"].size() + 1 == record["no_of_votes"].get<std::size_t>());
    CHECK(std::count(record["voted_for_me_ids"].begin(), record["voted_for_me_ids"].end(),
                     json(leader.id))
          == 0);
    for (std::size_t i = 0; i < record["voted_for_me_ids"].size(); ++i) {
        const std::uint64_t voter = record["voted_for_me_ids"][i];
        CHECK(record["voted_for_me"][i] == contract.cluster.address_of(voter));
    }
    CHECK(record["no_of_voters"]
          == record["no_of_votes"].get<std::uint64_t>()
                 + record["no_of_opposing_votes"].get<std::uint64_t>());
    CHECK(get_data(proxy, "/leaders?term=" + term).size() == 1);
    json elections = get_data(proxy, "/elections");
    REQUIRE(elections.contains(term));
    const std::set<std::string> outcomes{"won", "lost", "split", "superseded", "pending"};
    for (const auto& [recorded_term, candidacies] : elections.items()) {
        REQUIRE(candidacies.is_array());
        for (const json& candidacy : candidacies) {
            CHECK(candidacy["candidate"].is_number_unsigned());
            CHECK(outcomes.count(candidacy["outcome"].get<std::string>()) == 1);
            CHECK(candidacy["term"] == std::stoull(recorded_term));
            CHECK(candidacy["_name"]
                  == contract.cluster.address_of(candidacy["candidate"].get<std::uint64_t>()));
            CHECK(candidacy["ballots_by_id"].is_object());
            CHECK(candidacy["reasons"].is_object());
            // The original's list of cast votes, one per ballot.
            REQUIRE(candidacy["ballots"].is_array());
            CHECK(candidacy["ballots"].size() == candidacy["ballots_by_id"].size());
            for (const json& ballot : candidacy["ballots"]) {
                CHECK(ballot["receiver"] == candidacy["_name"]);
                CHECK(ballot["sender"]
                      == contract.cluster.address_of(ballot["voter"].get<std::uint64_t>()));
                CHECK(ballot["term"] == candidacy["term"]);
                CHECK(ballot["data"]["response"] == ballot["granted"]);
            }
        }
    }
    json one_term = get_data(proxy, "/elections?term=" + term);
    CHECK(one_term.size() == 1);
    CHECK(one_term.contains(term));
}

void check_logs_and_mission(Contract& contract, std::uint64_t move_index)
{
    NodeClient& proxy = contract.proxy;
    json logs = get_data(proxy, "/logs");
    CHECK(logs.size() == 5);
    for (const auto& [name, entries] : logs.items()) {
        REQUIRE(entries.is_array());
        REQUIRE_FALSE(entries.empty());
        for (const char* field : {"index", "term", "type", "command"}) {
            CHECK(entries[0].contains(field));
        }
    }
    json own = get_data(proxy, "/logs?ip=" + contract.cluster.address_of(contract.leader.id));
    REQUIRE(own.is_array());
    CHECK(own.back()["index"] >= move_index);
    get_data(proxy, "/logs?ip=10.255.0.1", 404);

    // Read the mission, set a target two steps ahead, run it to the end.
    json mission = get_data(proxy, "/mission");
    check_point(mission["target"]);
    check_point(mission["lead"]);
    CHECK(mission["running"] == false);
    CHECK(mission["steps_taken"].is_number_unsigned());
    const json target =
        json::array({mission["lead"][0].get<std::int64_t>() + 2, mission["lead"][1]});
    json set =
        post_data(proxy, "/mission", {{"action", "set"}, {"x", target[0]}, {"y", target[1]}});
    CHECK(set["mission"]["target"] == target);
    post_data(proxy, "/mission", {{"action", "start"}});
    CHECK(poll_until(Milliseconds(10000), [&] {
        json now = proxy.get("/mission").json["data"];
        return now.is_object() && now["lead"] == target && now["running"] == false;
    }));
    post_data(proxy, "/mission", {{"action", "fly"}}, 400);
}

/// A status event and a record event (moves are recorded in the Redis stream).
void check_events(Contract& contract, EventStreamReader& events)
{
    const NodeStatus& leader = contract.leader;
    auto status = events.wait_for("status", Milliseconds(5000), [&](const json& data) {
        return data.is_object() && data["leader"] == leader.id && data["nodes"].size() == 5;
    });
    REQUIRE(status);
    CHECK(status->data["term"] == leader.term);
    CHECK(status->data["leader_name"] == leader.name);
    CHECK(get_data(contract.proxy, "/nodes/move?x=1&y=0")["result"] == "moved");
    auto record = events.wait_for("record", Milliseconds(5000), [](const json& data) {
        return data.is_object() && data.value("kind", "") == "applied_move";
    });
    REQUIRE(record);
    for (const char* field : {"id", "kind", "node", "term", "index", "detail", "timestamp"}) {
        CHECK(record->data.contains(field));
    }
}

void check_metrics(Contract& contract, std::uint64_t moves_forwarded)
{
    HttpReply metrics = contract.proxy.get("/metrics");
    REQUIRE(metrics.status == 200);
    const std::string& text = metrics.body;
    check_metrics_text(text);
    for (const char* family :
         {"raftescort_node_role", "raftescort_node_is_leader", "raftescort_node_term",
          "raftescort_node_commit_index", "raftescort_node_applied_index", "raftescort_node_up",
          "raftescort_elections_started_total", "raftescort_elections_won_total",
          "raftescort_leader_changes_total", "raftescort_seconds_without_leader_total",
          "raftescort_leader_present", "raftescort_replication_lag_entries",
          "raftescort_move_commit_seconds", "raftescort_fsync_seconds", "raftescort_redis_up"}) {
        INFO(family);
        CHECK(text.find(std::string("# TYPE ") + family + " ") != std::string::npos);
    }
    const std::string leader =
        "node=\"" + std::to_string(contract.leader.id) + "\",name=\"" + contract.leader.name + "\"";
    for (const std::string& line :
         {std::string("raftescort_leader_present 1"), std::string("raftescort_redis_up 1"),
          "raftescort_move_commit_seconds_count " + std::to_string(moves_forwarded),
          "raftescort_node_role{" + leader + ",role=\"leader\"} 1",
          "raftescort_node_is_leader{" + leader + "} 1", "raftescort_fsync_seconds_count{" + leader,
          "raftescort_elections_won_total{" + leader}) {
        INFO(line);
        CHECK(text.find(line) != std::string::npos);
    }
}

/// Hands leadership to a follower, then to the most caught-up voter.
void check_transfer(Contract& contract)
{
    const std::uint64_t successor = some_follower(contract);
    json transferred = post_data(contract.proxy, "/transfer-leader", {{"to", successor}});
    CHECK(transferred["from"] == contract.leader.id);
    CHECK(transferred["to"] == successor);
    CHECK(transferred["term"].is_number_unsigned());
    NodeStatus next = contract.cluster.wait_for_leader(
        "leadership handed over", Milliseconds(10000), [&](const NodeStatus& status) {
            return status.id == successor && status.is_serving_leader();
        });
    wait_for_proxy_view(contract.proxy, 5, next.id);
    json back = post_data(contract.proxy, "/transfer-leader", json::object());
    CHECK(back["from"] == successor);
    REQUIRE(back["to"].is_number_unsigned());
    contract.leader = contract.cluster.wait_for_leader(
        "the most caught-up voter leads", Milliseconds(10000), [&](const NodeStatus& status) {
            return status.id == back["to"] && status.is_serving_leader();
        });
    wait_for_proxy_view(contract.proxy, 5, contract.leader.id);
    post_data(contract.proxy, "/transfer-leader", {{"to", "x"}}, 400);
}

/// A learner that never starts: added, listed as unreachable, removed.
void check_membership(Contract& contract)
{
    const std::uint64_t learner = 6;
    const std::string address =
        node_host(learner) + ":" + std::to_string(find_free_port_on(node_host(learner)));
    post_data(contract.proxy, "/members/add", {{"id", learner}, {"address", address}});
    json listed;
    CHECK(poll_until(Milliseconds(5000), [&] {
        listed = contract.proxy.get("/nodes").json["data"];
        return listed.is_array() && listed.size() == 6 && listed[5]["id"] == learner
               && listed[5]["role"] == "unreachable" && listed[5]["name"] == address;
    }));
    INFO(listed.dump());
    json removed = post_data(contract.proxy, "/members/remove", {{"id", learner}});
    CHECK(removed["index"].is_number_unsigned());
    post_data(contract.proxy, "/members/remove", {{"id", 0}}, 400);
    // Removed and never registered: no longer listed.
    wait_for_proxy_view(contract.proxy, 5, contract.leader.id);
}

/// kill -9 one follower: listed as unreachable, with its position; then a
/// removal that would leave no reachable majority is refused.
void check_unreachable(Contract& contract)
{
    LocalCluster& cluster = contract.cluster;
    const std::uint64_t victim = some_follower(contract);
    cluster.kill_node(victim);
    json nodes;
    CHECK(poll_until(Milliseconds(5000), [&] {
        nodes = contract.proxy.get("/nodes").json["data"];
        return nodes.is_array() && nodes.size() == 5 && nodes[victim - 1]["role"] == "unreachable";
    }));
    INFO(nodes.dump());
    CHECK(nodes[victim - 1]["name"] == cluster.address_of(victim));
    check_point(nodes[victim - 1]["position"]);
    json full = get_data(contract.proxy, "/nodes/full");
    CHECK(full[victim - 1]
          == json({{"id", victim},
                   {"name", cluster.address_of(victim)},
                   {"_name", cluster.address_of(victim)},
                   {"role", "unreachable"}}));
    CHECK(contract.proxy.get("/metrics")
              .body.find("raftescort_node_up{node=\"" + std::to_string(victim) + "\",name=\""
                         + cluster.address_of(victim) + "\"} 0")
          != std::string::npos);

    // With a second follower down, removing a third would leave 2 of 4
    // voters reachable: refused unless forced.
    const std::uint64_t second = some_follower(contract, {victim});
    cluster.kill_node(second);
    CHECK(poll_until(Milliseconds(5000), [&] {
        return contract.proxy.get("/status").json["data"].value("reachable", 0) == 3;
    }));
    const std::uint64_t third = some_follower(contract, {victim, second});
    HttpReply refused = contract.proxy.post("/members/remove", {{"id", third}}, k_move_timeout);
    envelope_data(refused, 409);
    CHECK(refused.json["message"].get<std::string>().find("force") != std::string::npos);
}

} // namespace

TEST_CASE("proxy_contract", "[integration][proxy]")
{
    // Goal: every endpoint of proxy.hpp answers with the documented shape
    // against a real cluster. Method: bootstrap 5 nodes, start the proxy,
    // open an event stream, then call each endpoint in turn; kill -9 a
    // follower and check it is listed as unreachable; SIGTERM the proxy and
    // expect exit 0 within 2 s, ending the stream.
    ClusterOptions options;
    options.name = "proxy-contract";
    LocalCluster cluster(options);
    cluster.bootstrap(5);
    ProxyProcess process(cluster, {"--poll-interval", "100ms"});
    process.start();
    process.wait_until_serving();
    NodeClient proxy("127.0.0.1", process.port());
    Contract contract{cluster, process, proxy, cluster.wait_for_leader()};
    json nodes = wait_for_proxy_view(proxy, 5, contract.leader.id);
    EventStreamReader events(process.port());

    check_status(contract);
    check_nodes(contract, nodes);
    const std::uint64_t move_index = check_moves(contract);
    check_bad_input(contract);
    check_records(contract);
    check_logs_and_mission(contract, move_index);
    check_events(contract, events);
    // Forwarded moves: two in check_moves plus its duplicate, one in check_events.
    check_metrics(contract, 4);
    check_transfer(contract);
    check_membership(contract);
    check_unreachable(contract);

    CHECK_FALSE(events.ended());
    process.stop();
    CHECK(poll_until(Milliseconds(2000), [&] { return events.ended(); }));
}
