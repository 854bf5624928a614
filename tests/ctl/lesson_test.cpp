// ctl lesson list and ctl lesson run against an in-process fake proxy: the
// list, an unknown name, and a lesson whose cluster does not do what Raft
// must, which fails with the step and what differed, and still heals the
// cluster, resumes the mission and leaves the result on the banner.

#include "ctl/fake_proxy.hpp"

#include <raftescort/ctl/ctl.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace raftescort::ctl;
using namespace raftescort::ctl::testing;
using raftescort::util::ErrorCode;

namespace {

CtlSettings lesson_settings(const FakeProxy& proxy, CtlAction action, const std::string& name)
{
    CtlSettings settings;
    settings.proxy_url = proxy.url();
    settings.action = action;
    settings.command = action == CtlAction::lesson_run ? "lesson run" : "lesson list";
    settings.lesson_name = name;
    return settings;
}

/// Three voters following node 1 in term 2, the mission running: a cluster
/// that never changes, whatever it is told.
json frozen_cluster()
{
    json nodes = json::array();
    for (int id = 1; id <= 3; ++id) {
        nodes.push_back(json{{"id", id},
                             {"name", "127.0.0.1:500" + std::to_string(id)},
                             {"role", id == 1 ? "leader" : "follower"},
                             {"term", 2},
                             {"leader", 1},
                             {"commit_index", 9},
                             {"applied_index", 9},
                             {"last_index", 9},
                             {"voters", json::array({1, 2, 3})},
                             {"learners", json::array()},
                             {"lead", json::array({4, 0})},
                             {"mission", json{{"running", true}}},
                             {"timing", json{{"heartbeat_ms", 50},
                                             {"election_timeout_ms", 300},
                                             {"since_index", 0}}}});
    }
    return nodes;
}

std::vector<FakeRequest> requests_to(FakeProxy& proxy, const std::string& method,
                                     const std::string& path)
{
    std::vector<FakeRequest> found;
    for (const FakeRequest& request : proxy.requests()) {
        if (request.method == method
            && (request.target == path || request.target.rfind(path + "?", 0) == 0)) {
            found.push_back(request);
        }
    }
    return found;
}

void answer_changes(FakeProxy& proxy)
{
    const json chaos_answer{{"target", json::array({1, 2, 3})}, {"nodes", json::array()}};
    proxy.set("POST", "/chaos", {FakeReply{200, envelope(chaos_answer)}});
    proxy.set("POST", "/chaos/heal", {FakeReply{200, envelope(chaos_answer)}});
    proxy.set("POST", "/mission", {FakeReply{200, envelope(json{{"mission", json::object()}})}});
    proxy.set("POST", "/lesson", {FakeReply{200, envelope(json{{"lesson", json::object()}})}});
}

} // namespace

TEST_CASE("ctl: lesson list names every lesson", "[ctl][lesson]")
{
    FakeProxy proxy;
    std::ostringstream out;
    REQUIRE(run_ctl(lesson_settings(proxy, CtlAction::lesson_list, ""), out).ok());
    for (const char* name : {"leader-election", "log-replication", "leader-crash", "split-vote",
                             "minority-leader", "pre-vote", "membership", "snapshot"}) {
        CHECK(out.str().find(name) != std::string::npos);
    }

    CtlSettings as_json = lesson_settings(proxy, CtlAction::lesson_list, "");
    as_json.json = true;
    std::ostringstream document;
    REQUIRE(run_ctl(as_json, document).ok());
    const json list = json::parse(document.str());
    REQUIRE(list.size() == 8);
    for (const json& lesson : list) {
        CHECK(lesson["steps"].get<int>() >= 4);
        CHECK_FALSE(lesson["summary"].get<std::string>().empty());
    }
}

TEST_CASE("ctl: lesson run refuses an unknown lesson and names the known ones", "[ctl][lesson]")
{
    FakeProxy proxy;
    std::ostringstream out;
    const auto status = run_ctl(lesson_settings(proxy, CtlAction::lesson_run, "paxos"), out);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code == ErrorCode::invalid_argument);
    CHECK(status.error().message.find("paxos") != std::string::npos);
    CHECK(status.error().message.find("leader-election") != std::string::npos);
    CHECK(proxy.requests().empty());
}

TEST_CASE("ctl: lesson run needs a leader", "[ctl][lesson]")
{
    FakeProxy proxy;
    json leaderless = frozen_cluster();
    leaderless[0]["role"] = "candidate";
    proxy.set_data("/nodes/full", leaderless);
    std::ostringstream out;
    const auto status =
        run_ctl(lesson_settings(proxy, CtlAction::lesson_run, "leader-election"), out);
    REQUIRE_FALSE(status.ok());
    CHECK(ctl_exit_status(status.error()) == k_ctl_exit_failure);
    CHECK(status.error().message.find("needs a cluster with a leader") != std::string::npos);
    CHECK(requests_to(proxy, "POST", "/chaos").empty());
}

TEST_CASE("ctl: a lesson whose cluster does not do what Raft must fails with what differed",
          "[ctl][lesson]")
{
    // leader-election crashes every node and expects no leader meanwhile;
    // this cluster keeps its leader, so step 2 fails after its 3 s wait.
    FakeProxy proxy;
    proxy.set_data("/nodes/full", frozen_cluster());
    answer_changes(proxy);
    std::ostringstream out;
    const auto status =
        run_ctl(lesson_settings(proxy, CtlAction::lesson_run, "leader-election"), out);
    INFO(out.str());
    REQUIRE_FALSE(status.ok());
    CHECK(ctl_exit_status(status.error()) == k_ctl_exit_failure);
    const std::string& message = status.error().message;
    CHECK(message.find("at step 2 (Every node crashes at once)") != std::string::npos);
    CHECK(message.find("expected no node leading") != std::string::npos);
    CHECK(message.find("node 1 (leader, term 2)") != std::string::npos);
    CHECK(out.str().find("FAILED leader-election") != std::string::npos);

    // It asked for the crash, then put the cluster back: heal, mission start.
    const auto chaos = requests_to(proxy, "POST", "/chaos");
    REQUIRE_FALSE(chaos.empty());
    CHECK(json::parse(chaos.front().body)["kind"] == "crash");
    const auto heals = requests_to(proxy, "POST", "/chaos/heal");
    CHECK(heals.size() >= 2); // before step 1 and at the end
    const auto missions = requests_to(proxy, "POST", "/mission");
    REQUIRE(missions.size() == 2);
    CHECK(json::parse(missions.front().body)["action"] == "pause");
    CHECK(json::parse(missions.back().body)["action"] == "start");

    // The banner followed the steps and ends failed, with the detail.
    const auto banners = requests_to(proxy, "POST", "/lesson");
    REQUIRE(banners.size() == 3);
    CHECK(json::parse(banners[0].body)["step"] == 1);
    CHECK(json::parse(banners[1].body)["step"] == 2);
    const json last = json::parse(banners[2].body);
    CHECK(last["state"] == "failed");
    CHECK(last["detail"].get<std::string>() == message);
}

TEST_CASE("ctl: a lesson goes on without the banner when the proxy has no route for it",
          "[ctl][lesson]")
{
    FakeProxy proxy;
    json cluster = frozen_cluster();
    proxy.set_data("/nodes/full", cluster);
    answer_changes(proxy);
    proxy.set("POST", "/lesson", {FakeReply{404, error_envelope(404, "no route /lesson")}});
    CtlSettings settings = lesson_settings(proxy, CtlAction::lesson_run, "pre-vote");
    settings.json = true;
    std::ostringstream out;
    // The frozen nodes report no pre_vote: step 1 fails at once.
    const auto status = run_ctl(settings, out);
    REQUIRE_FALSE(status.ok());
    const json summary = json::parse(out.str());
    CHECK(summary["passed"] == false);
    CHECK(summary["detail"].get<std::string>().find("whether pre-vote is on") != std::string::npos);
    // One refused banner, then no more tries.
    CHECK(requests_to(proxy, "POST", "/lesson").size() == 1);
}
