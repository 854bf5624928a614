// Integration: every guided lesson (`raftescort ctl lesson run NAME`) passes
// on a real five-node cluster behind the real proxy, which makes each lesson
// a test of what it teaches; and the lesson leaves the cluster as it found it.

#include "integration/local_cluster.hpp"
#include "integration/proxy_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// Waits beyond the lesson's own: sanitized builds run several times slower.
std::string patience()
{
    const char* value = std::getenv("RAFTESCORT_TEST_PATIENCE");
    return value == nullptr || *value == '\0' ? "1" : value;
}

struct LessonOutcome {
    ExitStatus exit;
    json summary;
    std::string err;
    std::int64_t elapsed_ms = 0;
};

LessonOutcome run_lesson(LocalCluster& cluster, const ProxyProcess& proxy, const std::string& name)
{
    const std::string out_path = cluster.temp_path() + "/lesson.out";
    const std::string err_path = cluster.temp_path() + "/lesson.err";
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    ChildProcess child;
    const auto started = std::chrono::steady_clock::now();
    child.start({RAFTESCORT_BINARY, "ctl", "--proxy", "http://" + proxy.address(),
                 "--admin-token-file", cluster.admin_token_path(), "--json", "lesson", "run", name,
                 "--pace", "0", "--patience", patience()},
                out_path, err_path);
    std::optional<ExitStatus> exit = child.wait_exit(Milliseconds(240000));
    REQUIRE(exit.has_value());
    LessonOutcome outcome{*exit, json::parse(file_from(out_path, 0), nullptr, false),
                          file_from(err_path, 0), 0};
    outcome.elapsed_ms = std::chrono::duration_cast<Milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    return outcome;
}

json get_json(std::uint16_t port, const std::string& path)
{
    NodeClient client("127.0.0.1", port);
    const HttpReply answer = client.get(path);
    REQUIRE(answer.status == 200);
    REQUIRE(answer.json.is_object());
    return answer.json["data"];
}

/// A five-node cluster, its proxy, one lesson run; the lesson passed and
/// left the cluster without faults and with its mission as it was.
void lesson_passes(const std::string& name)
{
    ClusterOptions options;
    options.name = "lesson-" + name;
    LocalCluster cluster(options);
    cluster.bootstrap(5);
    cluster.wait_for_leader();
    ProxyProcess proxy(cluster, {"--poll-interval", "100ms"});
    proxy.start();
    proxy.wait_until_serving();

    const LessonOutcome outcome = run_lesson(cluster, proxy, name);
    INFO("lesson " << name << ": " << outcome.exit.describe() << "\nsummary: "
                   << outcome.summary.dump(2) << "\nstderr: " << outcome.err);
    REQUIRE(outcome.summary.is_object());
    CHECK(outcome.summary["lesson"] == name);
    CHECK(outcome.summary["passed"] == true);
    CHECK(outcome.exit.clean());
    REQUIRE(outcome.summary["steps"].is_array());
    for (const json& step : outcome.summary["steps"]) {
        // Every step saw what it checks, except a closing one that only restores.
        INFO("step " << step.dump());
        CHECK_FALSE(step["heading"].get<std::string>().empty());
    }
    // How long each lesson takes, for the note.
    std::cout << "lesson " << name << ": " << (outcome.exit.clean() ? "passed" : "failed")
              << " in " << outcome.elapsed_ms << " ms ("
              << outcome.summary["steps"].size() << " steps)\n";

    // Put back: no fault in force anywhere, and a leader.
    const json chaos = get_json(proxy.port(), "/chaos");
    for (const json& node : chaos["nodes"]) {
        INFO("faults after the lesson: " << node.dump());
        CHECK(node["faults"].empty());
    }
    // The banner ends in the lesson's result.
    const json banner = get_json(proxy.port(), "/lesson");
    INFO("banner: " << banner.dump());
    REQUIRE(banner["lesson"].is_object());
    CHECK(banner["lesson"]["lesson"] == name);
    CHECK(banner["lesson"]["state"] == "passed");
}

} // namespace

TEST_CASE("lesson_leader_election_passes", "[integration][lesson]") { lesson_passes("leader-election"); }
TEST_CASE("lesson_log_replication_passes", "[integration][lesson]") { lesson_passes("log-replication"); }
TEST_CASE("lesson_leader_crash_passes", "[integration][lesson]") { lesson_passes("leader-crash"); }
TEST_CASE("lesson_split_vote_passes", "[integration][lesson]") { lesson_passes("split-vote"); }
TEST_CASE("lesson_minority_leader_passes", "[integration][lesson]") { lesson_passes("minority-leader"); }
TEST_CASE("lesson_pre_vote_passes", "[integration][lesson]") { lesson_passes("pre-vote"); }
TEST_CASE("lesson_membership_passes", "[integration][lesson]") { lesson_passes("membership"); }
TEST_CASE("lesson_snapshot_passes", "[integration][lesson]") { lesson_passes("snapshot"); }
