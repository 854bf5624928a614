// How old each node's data is, as /nodes and the status event give it: the
// dashboard marks a node whose data missed a poll, so a stale view is never
// taken for the cluster's state.

#include "proxy/view/cluster_json.hpp"

#include <raftescort/transport/clock.hpp>

#include <catch2/catch.hpp>

using namespace raftescort::proxy;
using nlohmann::json;

namespace {

ClusterSnapshot snapshot_polling_every(std::int64_t interval_ms)
{
    ClusterSnapshot snapshot;
    snapshot.poll_interval_ms = interval_ms;
    NodeView answered;
    answered.id = 1;
    answered.name = "127.0.0.1:7001";
    answered.reachable = true;
    answered.role = "follower";
    answered.answered_at_ms = 10'000;
    NodeView silent;
    silent.id = 2;
    silent.name = "127.0.0.1:7002";
    snapshot.nodes = {answered, silent};
    return snapshot;
}

} // namespace

TEST_CASE("proxy: a node's data age counts from its last answer", "[proxy][freshness]")
{
    // Goal: data_age_ms is the time since the last answer, and data_stale turns
    // on once the data is older than one poll interval plus the allowance for
    // the poll's round trip, not before. Method: a hand-made snapshot read at
    // chosen times on either side of the bound.
    const ClusterSnapshot snapshot = snapshot_polling_every(250);
    const NodeView& answered = snapshot.nodes[0];
    const std::int64_t bound_ms = 10'000 + 250 + k_poll_answer_allowance_ms;

    json fresh = node_json(snapshot, answered, 10'120);
    CHECK(fresh["data_age_ms"] == 120);
    CHECK(fresh["data_stale"] == false);
    CHECK(node_json(snapshot, answered, bound_ms)["data_stale"] == false);

    json stale = node_json(snapshot, answered, bound_ms + 1);
    CHECK(stale["data_age_ms"] == 250 + k_poll_answer_allowance_ms + 1);
    CHECK(stale["data_stale"] == true);
    CHECK(node_json(snapshot, answered, 13'400)["data_age_ms"] == 3'400);
}

TEST_CASE("proxy: a node never heard from has no data age and counts as stale",
          "[proxy][freshness]")
{
    const ClusterSnapshot snapshot = snapshot_polling_every(250);
    json silent = node_json(snapshot, snapshot.nodes[1], 10'000);
    CHECK(silent["data_age_ms"].is_null());
    CHECK(silent["data_stale"] == true);
    CHECK(silent["role"] == "unreachable");
}

TEST_CASE("proxy: a data age is never negative", "[proxy][freshness]")
{
    // A snapshot taken after the clock was read may hold an answer newer than
    // that reading.
    const ClusterSnapshot snapshot = snapshot_polling_every(250);
    json early = node_json(snapshot, snapshot.nodes[0], 9'990);
    CHECK(early["data_age_ms"] == 0);
    CHECK(early["data_stale"] == false);
}

TEST_CASE("proxy: /nodes and the status event carry every node's data age",
          "[proxy][freshness]")
{
    const ClusterSnapshot snapshot = snapshot_polling_every(250);
    json list = nodes_json(snapshot, 10'500);
    REQUIRE(list.size() == 2);
    CHECK(list[0]["data_age_ms"] == 500);
    CHECK(list[0]["data_stale"] == true);
    CHECK(list[1]["data_age_ms"].is_null());
    // The event reads the clock itself: an answer 5 s before now is stale.
    ClusterSnapshot dated = snapshot;
    dated.nodes[0].answered_at_ms = raftescort::transport::monotonic_ms() - 5'000;
    json event = status_event_json(dated);
    REQUIRE(event["nodes"].size() == 2);
    CHECK(event["nodes"][0]["data_age_ms"].get<std::int64_t>() >= 5'000);
    CHECK(event["nodes"][0]["data_stale"] == true);
}

TEST_CASE("proxy: each node's formation place is the leader's, whatever the node reports",
          "[proxy][freshness]")
{
    // Goal: a node cut off from the leader still reports the place it had
    // (a deposed leader: the lead's); the formation's place of every node comes
    // from the leader's state, one applied index for all. Method: a leader
    // whose status places node 2 at [2, 1] while node 2 reports [3, 0]; a
    // malformed entry for node 3 gives no place rather than a wrong one.
    ClusterSnapshot snapshot;
    NodeView leader;
    leader.id = 1;
    leader.reachable = true;
    leader.role = "leader";
    leader.position = raftescort::escort::Point{3, 0};
    leader.status = json{{"positions", json::array({json{{"id", 1}, {"position", {3, 0}}},
                                                    json{{"id", 2}, {"position", {2, 1}}},
                                                    json{{"id", 3}, {"position", {"2", -1}}}})}};
    NodeView deposed;
    deposed.id = 2;
    deposed.reachable = true;
    deposed.role = "candidate";
    deposed.position = raftescort::escort::Point{3, 0};
    NodeView odd;
    odd.id = 3;
    odd.reachable = true;
    odd.role = "follower";
    snapshot.nodes = {leader, deposed, odd};
    snapshot.leader = 1;

    json list = nodes_json(snapshot, 0);
    CHECK(list[0]["formation_position"] == json::array({3, 0}));
    CHECK(list[1]["position"] == json::array({3, 0}));
    CHECK(list[1]["formation_position"] == json::array({2, 1}));
    CHECK(list[2]["formation_position"].is_null());

    // Without a leader nobody's place is the formation's.
    snapshot.leader = 0;
    CHECK(nodes_json(snapshot, 0)[1]["formation_position"].is_null());
}
