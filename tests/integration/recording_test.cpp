// Integration: `raftescort proxy --record FILE` writes the event stream of a
// real cluster as JSON Lines, and POST /record refuses what it must.

#include "integration/local_cluster.hpp"
#include "integration/proxy_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// Every line of the file, parsed; a line that is not JSON fails the test.
std::vector<json> read_json_lines(const std::string& path)
{
    std::ifstream file(path);
    REQUIRE(file.good());
    std::vector<json> lines;
    std::string line;
    while (std::getline(file, line)) {
        INFO("line " << lines.size() + 1 << ": " << line.substr(0, 200));
        json value = json::parse(line, nullptr, false);
        REQUIRE_FALSE(value.is_discarded());
        REQUIRE(value.is_object());
        lines.push_back(std::move(value));
    }
    return lines;
}

/// The terms GET /leaders of the proxy answers, with each leader's id.
std::map<std::string, std::uint64_t> leaders_by_term(const json& leaders)
{
    std::map<std::string, std::uint64_t> found;
    for (const auto& [term, leader] : leaders.items()) {
        found[term] = leader.value("id", std::uint64_t{0});
    }
    return found;
}

/// id -> position from a /nodes answer (null for a node without one).
std::map<std::uint64_t, json> positions_by_id(const json& nodes)
{
    std::map<std::uint64_t, json> found;
    for (const json& node : nodes) {
        found[node.value("id", std::uint64_t{0})] = node.value("position", json());
    }
    return found;
}

/// Runs `raftescort ctl --proxy URL ARGS... --json` to completion; its
/// exit status and stdout parsed (discarded when not JSON).
std::pair<ExitStatus, json> run_ctl(LocalCluster& cluster, const std::string& url,
                                    const std::vector<std::string>& args)
{
    const std::string out_path = cluster.temp_path() + "/ctl.out";
    const std::string err_path = cluster.temp_path() + "/ctl.err";
    // The child appends: each run starts from empty files.
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    std::vector<std::string> argv{RAFTESCORT_BINARY, "ctl", "--proxy", url, "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child;
    child.start(argv, out_path, err_path);
    std::optional<ExitStatus> exit = child.wait_exit(Milliseconds(30000));
    REQUIRE(exit.has_value());
    INFO("ctl " << args.front() << " stderr: " << file_from(err_path, 0));
    return {*exit, json::parse(file_from(out_path, 0), nullptr, false)};
}

/// POST /record's status for `body`, with or without the admin token.
int post_record(std::uint16_t port, const std::string& body, bool as_operator = true)
{
    NodeClient client("127.0.0.1", port, as_operator);
    return client.post("/record", httplib::Headers{}, body).status;
}

} // namespace

TEST_CASE("proxy_records_a_leader_crash", "[integration][proxy][record]")
{
    // Goal: the recording of a kill-leader run holds a valid header, only
    // valid JSON lines, the election records of both terms, status and
    // trace events, and snapshots whose leaders match the live /leaders.
    // Method: a 3-node cluster and a proxy started with --record; the
    // leader is killed with SIGKILL; once the proxy shows the new leader
    // the recording is stopped through POST /record and the file is read.
    ClusterOptions options;
    options.name = "record";
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    const NodeStatus first = cluster.wait_for_leader();
    const std::string path = cluster.temp_path() + "/run.jsonl";
    ProxyProcess proxy(cluster, {"--poll-interval", "100ms", "--record", path});
    proxy.start();
    proxy.wait_until_serving();
    NodeClient live("127.0.0.1", proxy.port());
    CHECK(envelope_data(live.get("/record"), 200).value("recording", false));

    // The recording shows the first leader before it is killed: a status
    // event names it (the publisher sends one within 250 ms of a change).
    CHECK(poll_until(Milliseconds(10000), [&] {
        HttpReply reply = live.get("/status");
        return reply.status == 200 && reply.json["data"].value("leader", std::uint64_t{0}) == first.id;
    }));
    std::this_thread::sleep_for(Milliseconds(600));
    cluster.kill_node(first.id);
    const NodeStatus second = cluster.wait_for_leader(Milliseconds(10000), IdSet{1, 2, 3});
    REQUIRE(second.id != first.id);
    REQUIRE(second.term > first.term);
    const std::string second_term = std::to_string(second.term);
    json live_leaders;
    CHECK(poll_until(Milliseconds(10000), [&] {
        HttpReply reply = live.get("/leaders");
        live_leaders = reply.status == 200 ? reply.json["data"] : json();
        return live_leaders.is_object() && live_leaders.contains(second_term);
    }));
    const json live_elections = envelope_data(live.get("/elections"), 200);
    // A second's worth of status and trace events after the change.
    std::this_thread::sleep_for(Milliseconds(1000));
    const json live_nodes = envelope_data(live.get("/nodes"), 200);

    const json stopped = envelope_data(live.post("/record", json{{"action", "stop"}}), 200);
    CHECK_FALSE(stopped.value("recording", true));
    CHECK(stopped.value("stopped_reason", "") == "stopped");
    CHECK(stopped.value("snapshots", 0) >= 2);

    const std::vector<json> lines = read_json_lines(path);
    REQUIRE(lines.size() >= 3);
    CHECK(lines[0].value("format", "") == "raftescort-recording");
    CHECK(lines[0].value("version", 0) == 1);
    CHECK(lines[0].value("cluster", "") == "record");
    CHECK(lines[0].value("started_ms", std::int64_t{0}) > 0);
    CHECK(stopped.value("lines", std::size_t{0}) == lines.size());

    std::map<std::string, int> events;
    std::set<std::uint64_t> election_terms;
    std::int64_t last_t_ms = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const json& line = lines[i];
        INFO("line " << i + 1 << ": " << line.dump().substr(0, 200));
        REQUIRE(line.contains("t_ms"));
        REQUIRE(line.contains("data"));
        const std::int64_t t_ms = line["t_ms"].get<std::int64_t>();
        CHECK(t_ms >= last_t_ms);
        last_t_ms = t_ms;
        const std::string event = line.value("event", "");
        ++events[event];
        if (event == "record" && line["data"].value("kind", "") == "election") {
            election_terms.insert(line["data"].value("term", std::uint64_t{0}));
        }
    }
    CHECK(events["status"] >= 2);
    CHECK(events["trace"] >= 1);
    CHECK(events["snapshot"] >= 2);
    CHECK(events.size() == 4);
    // The second election happened while recording: its records are
    // there. The first predates the recording, whose first snapshot holds
    // it (its records too when they were among the proxy's latest, which a
    // new subscriber gets).
    CHECK(election_terms.count(second.term) == 1);
    const json* first_snapshot = nullptr;
    for (const json& line : lines) {
        if (first_snapshot == nullptr && line.value("event", "") == "snapshot") {
            first_snapshot = &line;
        }
    }
    REQUIRE(first_snapshot != nullptr);
    const json& early_elections = (*first_snapshot)["data"]["elections"];
    CHECK((election_terms.count(first.term) == 1
           || (early_elections.is_object()
               && early_elections.contains(std::to_string(first.term)))));

    const json* last_snapshot = nullptr;
    for (const json& line : lines) {
        if (line.value("event", "") == "snapshot") {
            last_snapshot = &line;
        }
    }
    REQUIRE(last_snapshot != nullptr);
    const json& snapshot = (*last_snapshot)["data"];
    CHECK(leaders_by_term(snapshot["leaders"]) == leaders_by_term(live_leaders));
    CHECK(snapshot["leaders"][second_term].value("id", std::uint64_t{0}) == second.id);
    CHECK(snapshot["elections"].contains(second_term));
    CHECK(live_elections.contains(second_term));
    CHECK(snapshot["nodes"].is_array());
    CHECK(snapshot["nodes"].size() == 3);
    CHECK(snapshot["mission"].is_object());

    SECTION("replay")
    {
        // Goal: a replay seeked to the end answers /leaders, /elections and
        // /nodes as the live proxy did, and ctl reads it as a proxy.
        // Method: `raftescort replay FILE` on a free port; GET /replay for
        // the end; POST a seek there; compare with the live answers.
        const std::uint16_t port = find_free_port_on("127.0.0.1");
        const std::string log = cluster.temp_path() + "/replay.log";
        ChildProcess replay;
        replay.start({RAFTESCORT_BINARY, "replay", path, "--listen",
                      "127.0.0.1:" + std::to_string(port), "--admin-token-file",
                      cluster.admin_token_path()},
                     log, log);
        NodeClient client("127.0.0.1", port);
        INFO("replay log:\n" << file_tail(log, 20));
        REQUIRE(poll_until(Milliseconds(10000),
                           [&] { return client.get("/replay").status == 200; }));
        const json position = envelope_data(client.get("/replay"), 200);
        CHECK(position.value("cluster", "") == "record");
        const std::int64_t end_ms = position.value("end_ms", std::int64_t{0});
        CHECK(end_ms > position.value("start_ms", end_ms));
        CHECK(position.value("lines", std::size_t{0}) + 1 == lines.size());
        NodeClient anonymous("127.0.0.1", port, false);
        CHECK(anonymous.post("/replay", json{{"action", "seek"}, {"to_ms", end_ms}}).status
              == 401);
        CHECK(client.post("/replay", json{{"action", "seek"}}).status == 400);
        CHECK(client.post("/replay", json{{"action", "play"}, {"speed", 1000}}).status == 400);
        const auto seek_started = Clock::now();
        const json seeked =
            envelope_data(client.post("/replay", json{{"action", "seek"}, {"to_ms", end_ms}}), 200);
        const std::int64_t seek_took_ms = milliseconds_since(seek_started);
        WARN("replay seek to the end of " << lines.size() << " lines took " << seek_took_ms
                                          << " ms");
        CHECK(seeked.value("position_ms", std::int64_t{0}) == end_ms);

        const json replay_leaders = envelope_data(client.get("/leaders"), 200);
        CHECK(leaders_by_term(replay_leaders) == leaders_by_term(live_leaders));
        const json replay_elections = envelope_data(client.get("/elections"), 200);
        std::set<std::string> live_terms;
        std::set<std::string> replay_terms;
        for (const auto& [term, item] : live_elections.items()) {
            live_terms.insert(term);
        }
        for (const auto& [term, item] : replay_elections.items()) {
            replay_terms.insert(term);
        }
        CHECK(replay_terms == live_terms);
        CHECK(positions_by_id(envelope_data(client.get("/nodes"), 200))
              == positions_by_id(live_nodes));
        CHECK(client.get("/leaders?term=" + second_term).status == 200);
        CHECK(client.get("/leaders?term=99999").status == 404);

        const std::string url = "http://127.0.0.1:" + std::to_string(port);
        auto [status_exit, status] = run_ctl(cluster, url, {"status"});
        CHECK(status_exit.clean());
        CHECK(status["status"].value("term", std::uint64_t{0}) == second.term);
        CHECK(status["status"].value("leader", std::uint64_t{0}) == second.id);
        auto [leaders_exit, leaders] = run_ctl(cluster, url, {"leaders"});
        CHECK(leaders_exit.clean());
        CHECK(leaders_by_term(leaders) == leaders_by_term(live_leaders));
        auto [elections_exit, elections] = run_ctl(cluster, url, {"elections"});
        CHECK(elections_exit.clean());
        CHECK(elections.contains(second_term));

        // Back before the crash: the last status of the first term.
        std::int64_t before_crash_ms = 0;
        for (const json& line : lines) {
            if (line.value("event", "") == "status"
                && line["data"].value("term", std::uint64_t{0}) == first.term
                && line["data"].value("leader", std::uint64_t{0}) == first.id) {
                before_crash_ms = line["t_ms"].get<std::int64_t>();
            }
        }
        REQUIRE(before_crash_ms > 0);
        envelope_data(client.post("/replay", json{{"action", "seek"}, {"to_ms", before_crash_ms}}),
                      200);
        const json then = envelope_data(client.get("/status"), 200);
        CHECK(then.value("term", std::uint64_t{0}) == first.term);
        CHECK(then.value("leader", std::uint64_t{0}) == first.id);
        const ExitStatus stopped_replay = replay.terminate(Milliseconds(5000));
        CHECK(stopped_replay.clean());
    }

    SECTION("refusals")
    {
        // Goal: POST /record answers bad input with the 4xx that names it.
        CHECK(post_record(proxy.port(), R"({"action": "stop"})", false) == 401);
        CHECK(post_record(proxy.port(), R"({"action": )") == 400);
        CHECK(post_record(proxy.port(), R"({"action": "rewind"})") == 400);
        CHECK(post_record(proxy.port(), R"({"action": "start"})") == 400);
        CHECK(post_record(proxy.port(), R"({"action": "start", "file": "../up.jsonl"})") == 400);
        CHECK(post_record(proxy.port(),
                          json{{"action", "start"}, {"file", cluster.temp_path() + "/no/x"}}.dump())
              == 400);
        CHECK(post_record(proxy.port(), json{{"action", "start"}, {"file", path}}.dump()) == 400);
        CHECK(post_record(proxy.port(), R"({"action": "stop"})") == 409);
        const std::string again = cluster.temp_path() + "/again.jsonl";
        CHECK(post_record(proxy.port(), json{{"action", "start"}, {"file", again}}.dump()) == 200);
        CHECK(post_record(proxy.port(), json{{"action", "start"}, {"file", again}}.dump()) == 409);
        proxy.stop();
        // The proxy's stop ends the recording with a last snapshot.
        const std::vector<json> again_lines = read_json_lines(again);
        REQUIRE(again_lines.size() >= 3);
        CHECK(again_lines.back().value("event", "") == "snapshot");
    }
}
