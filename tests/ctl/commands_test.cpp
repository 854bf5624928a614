// run_ctl() end to end against an in-process fake proxy: what each command
// requests, what it prints (tables for people, one JSON document with
// --json), and the error and exit status a failure ends with.

#include "ctl/fake_proxy.hpp"

#include <raftescort/ctl/ctl.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace raftescort::ctl;
using namespace raftescort::ctl::testing;
using raftescort::util::ErrorCode;

namespace {

CtlSettings settings_for(const FakeProxy& proxy, CtlAction action, const std::string& command)
{
    CtlSettings settings;
    settings.proxy_url = proxy.url();
    settings.action = action;
    settings.command = command;
    return settings;
}

json two_nodes()
{
    return json::array({json{{"id", 1},
                             {"name", "127.0.0.1:5001"},
                             {"role", "leader"},
                             {"term", 2},
                             {"commit_index", 9},
                             {"applied_index", 9},
                             {"lag", 0},
                             {"position", json::array({3, 0})},
                             {"last_contact_ms", nullptr}},
                        json{{"id", 2},
                             {"name", "127.0.0.1:5002"},
                             {"role", "follower"},
                             {"term", 2},
                             {"commit_index", 9},
                             {"applied_index", 8},
                             {"lag", 1},
                             {"position", json::array({2, 0})},
                             {"last_contact_ms", 40}}});
}

json cluster_status()
{
    return json{{"leader", 1}, {"leader_name", "127.0.0.1:5001"}, {"term", 2}, {"reachable", 2},
                {"nodes", 2},  {"redis_connected", true}};
}

} // namespace

TEST_CASE("ctl: status prints the roles table and the summary", "[ctl]")
{
    // Goal: `ctl status` is GET /status and GET /nodes, printed as a table
    // and one summary line. Method: a fake proxy with two nodes.
    FakeProxy proxy;
    proxy.set_data("/status", cluster_status());
    proxy.set_data("/nodes", two_nodes());
    std::ostringstream out;
    const auto status = run_ctl(settings_for(proxy, CtlAction::status, "status"), out);
    REQUIRE(status.ok());
    CHECK(out.str()
          == "ID  ADDRESS         ROLE      TERM  COMMIT  APPLIED  LAG  POSITION  LAST CONTACT\n"
             "1   127.0.0.1:5001  leader    2     9       9        0    [3, 0]    -\n"
             "2   127.0.0.1:5002  follower  2     9       8        1    [2, 0]    40ms\n"
             "leader 1 (127.0.0.1:5001), term 2; 2 of 2 nodes reachable; redis connected\n");
}

TEST_CASE("ctl: status --json is one document of both answers", "[ctl]")
{
    // Goal: scripts get {"status": ..., "nodes": ...} exactly as the proxy
    // sent them, as one parseable document. Method: parse the output.
    FakeProxy proxy;
    proxy.set_data("/status", cluster_status());
    proxy.set_data("/nodes", two_nodes());
    CtlSettings settings = settings_for(proxy, CtlAction::status, "status");
    settings.json = true;
    std::ostringstream out;
    REQUIRE(run_ctl(settings, out).ok());
    const json document = json::parse(out.str());
    CHECK(document == json{{"status", cluster_status()}, {"nodes", two_nodes()}});
    CHECK(out.str().back() == '\n');
}

TEST_CASE("ctl: elections prints each term's candidacies and ballots", "[ctl]")
{
    // Goal: terms in numeric order, votes counted, refusals with reasons,
    // a founding election without ballots. Method: two terms; --term asks
    // the proxy for one.
    FakeProxy proxy;
    const json elections{
        {"10", json::array({json{{"candidate", 2},
                                 {"outcome", "won"},
                                 {"ballots_by_id", {{"1", true}, {"3", false}, {"2", true}}},
                                 {"reasons", {{"3", "already voted for 1"}}}}})},
        {"2", json::array({json{{"candidate", 1}, {"outcome", "won"}}})}};
    proxy.set_data("/elections", elections);
    std::ostringstream out;
    CtlSettings settings = settings_for(proxy, CtlAction::elections, "elections");
    REQUIRE(run_ctl(settings, out).ok());
    CHECK(out.str()
          == "term 2\n"
             "  candidate 1: won, no ballots\n"
             "term 10\n"
             "  candidate 2: won, 2 of 3 votes\n"
             "    1: granted\n"
             "    2: granted\n"
             "    3: refused (already voted for 1)\n");

    settings.term = 10;
    std::ostringstream one;
    REQUIRE(run_ctl(settings, one).ok());
    CHECK(proxy.requests().back().target == "/elections?term=10");
}

TEST_CASE("ctl: elections with none recorded says so", "[ctl]")
{
    // Goal: an empty answer is a sentence, not a blank output. Method: {}.
    FakeProxy proxy;
    proxy.set_data("/elections", json::object());
    std::ostringstream out;
    REQUIRE(run_ctl(settings_for(proxy, CtlAction::elections, "elections"), out).ok());
    CHECK(out.str() == "no elections recorded\n");
}

TEST_CASE("ctl: logs --node with an id asks for that node's address", "[ctl]")
{
    // Goal: `logs --node 2` resolves id 2 through GET /nodes and asks
    // /logs?ip=HOST:PORT; an unknown id is refused (exit 3) and says where
    // the ids are. Method: both ids.
    FakeProxy proxy;
    proxy.set_data("/nodes", two_nodes());
    proxy.set_data(
        "/logs",
        json::array({json{{"index", 1}, {"term", 1}, {"type", "normal"}, {"command", "move"}}}));
    CtlSettings settings = settings_for(proxy, CtlAction::logs, "logs");
    settings.node = "2";
    std::ostringstream out;
    REQUIRE(run_ctl(settings, out).ok());
    CHECK(proxy.requests().back().target == "/logs?ip=127.0.0.1:5002");
    CHECK(out.str() == "INDEX  TERM  TYPE    COMMAND\n1      1     normal  move\n");

    settings.node = "7";
    std::ostringstream none;
    const auto status = run_ctl(settings, none);
    REQUIRE(!status.ok());
    CHECK(status.error().code == ErrorCode::rejected);
    CHECK(status.error().message == "no node with id 7 (see 'raftescort ctl status' for the ids)");
    CHECK(ctl_exit_status(status.error()) == k_ctl_exit_refused);
    CHECK(none.str().empty());
}

TEST_CASE("ctl: logs of every node prints one indented table per node", "[ctl]")
{
    // Goal: each node's name, then its entries, a blank line between nodes.
    // Method: two nodes, one without entries.
    FakeProxy proxy;
    proxy.set_data("/logs",
                   json{{"127.0.0.1:5002", json::array()},
                        {"127.0.0.1:5001",
                         json::array({json{
                             {"index", 1}, {"term", 1}, {"type", "normal"}, {"command", "x"}}})}});
    std::ostringstream out;
    REQUIRE(run_ctl(settings_for(proxy, CtlAction::logs, "logs"), out).ok());
    CHECK(out.str()
          == "127.0.0.1:5001\n"
             "  INDEX  TERM  TYPE    COMMAND\n"
             "  1      1     normal  x\n"
             "\n"
             "127.0.0.1:5002\n"
             "  INDEX  TERM  TYPE  COMMAND\n");
}

TEST_CASE("ctl: move sends a client id and prints where the formation went", "[ctl]")
{
    // Goal: the body carries x, y, a ctl client id and sequence 1 (so a
    // retry applies once); the output names the lead and the commit.
    // Method: a fake answering "duplicate".
    FakeProxy proxy;
    proxy.set("POST", "/nodes/move",
              {FakeReply{
                  200, envelope(json{{"term", 2},
                                     {"index", 12},
                                     {"result", "duplicate"},
                                     {"lead", json::array({5, -1})},
                                     {"positions",
                                      json::array({json{{"id", 1},
                                                        {"node", "127.0.0.1:5001"},
                                                        {"position", json::array({5, -1})}}})}})}});
    CtlSettings settings = settings_for(proxy, CtlAction::move, "move");
    settings.x = 5;
    settings.y = -1;
    std::ostringstream out;
    REQUIRE(run_ctl(settings, out).ok());
    CHECK(out.str()
          == "already moved by (5, -1): lead [5, -1] (term 2, index 12)\n"
             "ID  NODE            POSITION\n"
             "1   127.0.0.1:5001  [5, -1]\n");
    const json body = json::parse(proxy.requests().at(0).body);
    CHECK(body["x"] == 5);
    CHECK(body["y"] == -1);
    CHECK(body["sequence"] == 1);
    CHECK(body["client_id"].get<std::string>().rfind("ctl-", 0) == 0);
    CHECK(body["client_id"].get<std::string>().size() <= 64);
}

TEST_CASE("ctl: members remove explains --force on a quorum refusal", "[ctl]")
{
    // Goal: the proxy's 409 about "force" gains the flag that sets it, and
    // is a refusal (exit 3). Method: a 409 without --force.
    FakeProxy proxy;
    proxy.set("POST", "/members/remove",
              {FakeReply{409, error_envelope(409, "would lose quorum; set force to remove it")}});
    CtlSettings settings = settings_for(proxy, CtlAction::members_remove, "members remove");
    settings.member_id = 3;
    std::ostringstream out;
    const auto status = run_ctl(settings, out);
    REQUIRE(!status.ok());
    CHECK(status.error().message
          == "would lose quorum; set force to remove it (HTTP 409); 'ctl members remove --force' "
             "removes it anyway");
    CHECK(ctl_exit_status(status.error()) == k_ctl_exit_refused);
    CHECK(json::parse(proxy.requests().at(0).body) == json{{"id", 3}, {"force", false}});
}

TEST_CASE("ctl: mission set and transfer-leader send their bodies", "[ctl]")
{
    // Goal: each change command posts the body the proxy documents and
    // prints one line. Method: mission set 100 0; transfer-leader without
    // and with --to.
    FakeProxy proxy;
    proxy.set("POST", "/mission",
              {FakeReply{200, envelope(json{{"term", 2},
                                            {"index", 4},
                                            {"mission",
                                             {{"target", json::array({100, 0})},
                                              {"running", false},
                                              {"steps_taken", 0}}}})}});
    proxy.set("POST", "/transfer-leader",
              {FakeReply{200, envelope(json{{"from", 1}, {"to", 2}, {"term", 3}})}});
    CtlSettings mission = settings_for(proxy, CtlAction::mission_set, "mission set");
    mission.x = 100;
    std::ostringstream out;
    REQUIRE(run_ctl(mission, out).ok());
    CHECK(out.str() == "mission paused, target [100, 0], 0 steps taken (term 2, index 4)\n");
    CHECK(json::parse(proxy.requests().at(0).body)
          == json{{"action", "set"}, {"x", 100}, {"y", 0}});

    CtlSettings transfer = settings_for(proxy, CtlAction::transfer_leader, "transfer-leader");
    std::ostringstream handed;
    REQUIRE(run_ctl(transfer, handed).ok());
    CHECK(handed.str() == "leadership handed from 1 to 2 (term 3)\n");
    CHECK(json::parse(proxy.requests().at(1).body) == json::object());
    transfer.transfer_to = 2;
    std::ostringstream to;
    REQUIRE(run_ctl(transfer, to).ok());
    CHECK(json::parse(proxy.requests().at(2).body) == json{{"to", 2}});
}

TEST_CASE("ctl: timing posts the slow-motion body, or a reset", "[ctl]")
{
    // Goal: `ctl timing` sends what POST /timing documents and says what is
    // now in force. Method: a slow timing with a step interval, then --reset.
    FakeProxy proxy;
    proxy.set("POST", "/timing",
              {FakeReply{200, envelope(json{{"term", 2}, {"index", 9}})},
               FakeReply{200, envelope(json{{"term", 2}, {"index", 10}})}});
    CtlSettings timing = settings_for(proxy, CtlAction::timing, "timing");
    timing.timing_heartbeat_ms = 1000;
    timing.timing_election_timeout_ms = 6000;
    timing.timing_step_interval_ms = 2000;
    std::ostringstream out;
    REQUIRE(run_ctl(timing, out).ok());
    CHECK(out.str()
          == "timing: heartbeat 1000 ms, election timeout 6000 ms, a step every 2000 ms "
             "(term 2, index 9)\n");
    CHECK(
        json::parse(proxy.requests().at(0).body)
        == json{{"heartbeat_ms", 1000}, {"election_timeout_ms", 6000}, {"step_interval_ms", 2000}});

    CtlSettings reset = settings_for(proxy, CtlAction::timing, "timing");
    reset.timing_reset = true;
    std::ostringstream back;
    REQUIRE(run_ctl(reset, back).ok());
    CHECK(back.str() == "timing: each node's own again (term 2, index 10)\n");
    CHECK(json::parse(proxy.requests().at(1).body) == json{{"reset", true}});
}

TEST_CASE("ctl: timing sends only the switches given and prints what is in force", "[ctl]")
{
    // Goal: `ctl timing --pre-vote off` sends just that switch, and the
    // output is the leader's account of the whole timing in force.
    FakeProxy proxy;
    const json in_force{{"heartbeat_ms", 200},   {"election_timeout_ms", 2000},
                        {"step_interval_ms", 0}, {"pre_vote", "off"},
                        {"check_quorum", "own"}};
    proxy.set("POST", "/timing",
              {FakeReply{200, envelope(json{{"term", 3}, {"index", 12}, {"timing", in_force}})}});
    CtlSettings timing = settings_for(proxy, CtlAction::timing, "timing");
    timing.timing_pre_vote = false;
    std::ostringstream out;
    REQUIRE(run_ctl(timing, out).ok());
    CHECK(json::parse(proxy.requests().at(0).body) == json{{"pre_vote", false}});
    CHECK(out.str()
          == "timing in force: heartbeat 200 ms, election timeout 2000 ms, each node's own step "
             "interval, pre-vote off, check-quorum each node's own (term 3, index 12)\n");
}

TEST_CASE("ctl: watch --count prints that many frames, plain or as JSON lines", "[ctl]")
{
    // Goal: a bounded watch written to a stream (not the terminal) prints
    // its frames without escape codes; with --json each frame is one line
    // {"status", "nodes", "mission"}. Method: --count 2, both ways.
    FakeProxy proxy;
    proxy.set_data("/status", cluster_status());
    proxy.set_data("/nodes", two_nodes());
    proxy.set_data("/mission", json{{"running", true}});
    CtlSettings settings = settings_for(proxy, CtlAction::watch, "watch");
    settings.count = 2;
    std::ostringstream out;
    REQUIRE(run_ctl(settings, out).ok());
    const std::string text = out.str();
    CHECK(text.find('\x1b') == std::string::npos);
    std::size_t headers = 0;
    for (std::size_t at = text.find("raftescort ctl watch"); at != std::string::npos;
         at = text.find("raftescort ctl watch", at + 1)) {
        ++headers;
    }
    CHECK(headers == 2);

    settings.json = true;
    std::istringstream lines([&] {
        std::ostringstream json_out;
        REQUIRE(run_ctl(settings, json_out).ok());
        return json_out.str();
    }());
    std::size_t frames = 0;
    for (std::string line; std::getline(lines, line); ++frames) {
        const json frame = json::parse(line);
        CHECK(frame["status"] == cluster_status());
        CHECK(frame["nodes"] == two_nodes());
        CHECK(!frame.contains("error"));
    }
    CHECK(frames == 2);
}

TEST_CASE("ctl: a bounded watch that could not read the proxy fails with exit 1", "[ctl]")
{
    // Goal: even a 4xx during watch is a failure (the view could not be
    // drawn), not a refusal; each frame still carries the error. Method:
    // /mission answers 404.
    FakeProxy proxy;
    proxy.set_data("/status", cluster_status());
    proxy.set_data("/nodes", two_nodes());
    CtlSettings settings = settings_for(proxy, CtlAction::watch, "watch");
    settings.count = 1;
    settings.json = true;
    std::ostringstream out;
    const auto status = run_ctl(settings, out);
    REQUIRE(!status.ok());
    CHECK(status.error().message == "no route /mission (HTTP 404)");
    CHECK(ctl_exit_status(status.error()) == k_ctl_exit_failure);
    CHECK(json::parse(out.str())["error"] == "no route /mission (HTTP 404)");
}

TEST_CASE("ctl: unusable settings and an unreachable proxy end without output", "[ctl]")
{
    // Goal: a bad --proxy is a usage error (exit 2) that names the option;
    // a proxy that is not there is a failure (exit 1). Method: run_ctl on
    // each, checking the code, the status and that nothing was printed.
    CtlSettings settings;
    settings.action = CtlAction::positions;
    settings.command = "positions";
    settings.proxy_url = "http://127.0.0.1:8888?x";
    std::ostringstream out;
    const auto usage = run_ctl(settings, out);
    REQUIRE(!usage.ok());
    CHECK(usage.error().code == ErrorCode::invalid_argument);
    CHECK(usage.error().message.rfind("--proxy: ", 0) == 0);
    CHECK(ctl_exit_status(usage.error()) == k_ctl_exit_usage);

    settings.proxy_url = "http://127.0.0.1:" + std::to_string(closed_port());
    const auto unreachable = run_ctl(settings, out);
    REQUIRE(!unreachable.ok());
    CHECK(unreachable.error().code == ErrorCode::unavailable);
    CHECK(ctl_exit_status(unreachable.error()) == k_ctl_exit_failure);
    CHECK(out.str().empty());
}
