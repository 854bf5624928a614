// Integration: slow motion (POST /timing, a `timing` command in the
// replicated log) on five real processes: every member switches at the same
// index, and the next election really waits the new timeout.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// Node `id`'s timing in force, from its /status.
json timing_of(LocalCluster& cluster, std::uint64_t id)
{
    HttpReply reply = cluster.client(id).get("/status");
    REQUIRE(reply.status == 200);
    return reply.json.at("timing");
}

/// Waits until every node in `ids` shows a timing with `heartbeat_ms`.
void wait_for_timing(LocalCluster& cluster, const IdSet& ids, std::int64_t heartbeat_ms)
{
    bool switched = poll_until(Milliseconds(5000), [&] {
        for (std::uint64_t id : ids) {
            if (timing_of(cluster, id).at("heartbeat_ms") != heartbeat_ms) {
                return false;
            }
        }
        return true;
    });
    REQUIRE(switched);
}

} // namespace

TEST_CASE("slow motion switches every member at one index and slows the next election",
          "[integration][timing]")
{
    ClusterOptions options;
    options.name = "timing";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    NodeStatus leader = cluster.wait_for_leader();

    // The 3x rule is refused with its reason, before anything is proposed.
    HttpReply refused = cluster.client(leader.id).post(
        "/timing", json{{"heartbeat_ms", 500}, {"election_timeout_ms", 1000}});
    INFO(refused.describe());
    CHECK(refused.status == 400);
    CHECK(refused.json.at("error").get<std::string>().find("3x") != std::string::npos);

    HttpReply slowed = cluster.client(leader.id).post(
        "/timing",
        json{{"heartbeat_ms", 200}, {"election_timeout_ms", 2000}, {"step_interval_ms", 3000}});
    INFO(slowed.describe());
    REQUIRE(slowed.status == 200);
    const std::uint64_t index = slowed.json.at("index").get<std::uint64_t>();
    wait_for_timing(cluster, all, 200);
    for (std::uint64_t id : all) {
        json timing = timing_of(cluster, id);
        INFO("node " << id << ": " << timing.dump());
        CHECK(timing.at("election_timeout_ms") == 2000);
        CHECK(timing.at("step_interval_ms") == 3000);
        CHECK(timing.at("since_index") == index);
    }

    // With the leader cut off, followers wait out the slow timeout (from the
    // last heartbeat they heard) before one of them is elected.
    IdSet others = all;
    others.erase(leader.id);
    const auto isolated_at = Clock::now();
    HttpReply isolated =
        cluster.client(leader.id).post("/chaos", json{{"kind", "isolate"}, {"for_ms", 20000}});
    REQUIRE(isolated.status == 200);
    NodeStatus next = cluster.wait_for_leader(
        "a leader after the isolate", Milliseconds(10000),
        [&](const NodeStatus& status) { return status.term > leader.term; }, others);
    const std::int64_t election_ms = milliseconds_since(isolated_at);
    WARN("with a 2000 ms election timeout, node " << next.id << " led " << election_ms
                                                  << " ms after the leader was isolated");
    CHECK(election_ms >= 2000 - 200);
    HttpReply healed = cluster.client(leader.id).post("/chaos", json{{"kind", "heal"}});
    REQUIRE(healed.status == 200);

    // A node restarted now comes back at the cluster's timing, not its
    // flags: the timing is in its log (or snapshot) like any command.
    const std::uint64_t restarted = next.id == 5 ? 4 : 5;
    cluster.stop_node(restarted);
    cluster.start_node(restarted);
    bool slow_again = poll_until(Milliseconds(10000), [&] {
        std::optional<NodeStatus> status = cluster.status(restarted);
        return status && status->applied_index >= index
               && timing_of(cluster, restarted).at("heartbeat_ms") == 200;
    });
    CHECK(slow_again);

    // And back to each node's own timing.
    HttpReply reset = cluster.client(next.id).post("/timing", json{{"reset", true}});
    INFO(reset.describe());
    REQUIRE(reset.status == 200);
    wait_for_timing(cluster, all, options.heartbeat.count());
    CHECK(timing_of(cluster, next.id).at("election_timeout_ms")
          == options.election_timeout.count());
    cluster.wait_converged(all, Milliseconds(10000));
    cluster.check_invariants();
}
