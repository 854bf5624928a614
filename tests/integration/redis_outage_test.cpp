// Integration: Redis is a record, not a dependency. The cluster elects and
// commits through a Redis outage and rewrites its records into an empty
// Redis when one comes back.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace raftescort::integration;

namespace {

/// Waits until some running node's commit index is `count` past `from`:
/// the cluster is committing (the convoy's steps).
NodeStatus wait_for_commits(LocalCluster& cluster, std::uint64_t from, std::uint64_t count,
                            const std::string& what)
{
    return cluster.wait_for_leader(what, Milliseconds(5000), [&](const NodeStatus& leader) {
        return leader.commit_index >= from + count;
    });
}

} // namespace

TEST_CASE("redis_outage_and_empty_restart", "[integration][redis]")
{
    // Goal: the cluster keeps electing leaders and committing steps while
    // Redis is down, and writes the records it owes once Redis is back
    // (man/raftescort-node.1), also when Redis comes back empty (restarted
    // without persistence).
    // Method: 5 nodes, the convoy running toward a far target. SIGKILL Redis;
    // commits must go on; SIGKILL the leader, and a new leader must be elected
    // and commit; the killed node restarts from its data dir while Redis is
    // still down and catches up. Then Redis restarts empty on the same port,
    // and within 10 s every live node's registration and the leader record of
    // every term whose leader was seen serving must be back, naming the
    // leader the nodes reported.
    ClusterOptions options;
    options.name = "redisout";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    REQUIRE(cluster.propose_mission({{"action", "set"}, {"x", 100000}, {"y", 0}}).status == 200);
    REQUIRE(cluster.propose_mission({{"action", "start"}}).status == 200);
    NodeStatus first_leader = cluster.wait_for_leader();
    REQUIRE(cluster.wait_for_leader_record(first_leader.term, Milliseconds(10000)));

    cluster.redis().crash();
    NodeStatus during =
        wait_for_commits(cluster, first_leader.commit_index, 20, "committing with Redis down");

    cluster.kill_node(during.id);
    NodeStatus second_leader = cluster.wait_for_leader(
        "a new leader with Redis down", Milliseconds(5000),
        [&](const NodeStatus& status) { return status.term > during.term; });
    wait_for_commits(cluster, second_leader.commit_index, 20,
                     "the new leader committing with Redis down");

    // A node restarted from its data dir resumes as itself without Redis.
    cluster.start_node(during.id);
    cluster.wait_until_serving(during.id);
    cluster.wait_caught_up(during.id, Milliseconds(10000));

    // Redis comes back with nothing in it.
    cluster.redis().start();
    const auto restarted_at = Clock::now();

    std::map<std::uint64_t, std::string> missing;
    bool registered = poll_until(
        Milliseconds(10000),
        [&] {
            missing.clear();
            for (auto id : all) {
                missing[id] = cluster.address_of(id);
            }
            auto listing = cluster.registry().list_nodes(monotonic_ms());
            if (!listing.ok()) {
                return false;
            }
            for (const auto& node : listing.value().live) {
                auto found = missing.find(node.id.value);
                if (found != missing.end() && found->second == node.address) {
                    missing.erase(found);
                }
            }
            return missing.empty();
        },
        Milliseconds(50));
    INFO(missing.size() << " nodes not registered again, first: "
                        << (missing.empty() ? 0 : missing.begin()->first));
    CHECK(registered);

    const auto serving = cluster.observer().serving_leader_of_term();
    REQUIRE(serving.count(first_leader.term) == 1);
    REQUIRE(serving.count(second_leader.term) == 1);
    for (const auto& [term, leader] : serving) {
        INFO("term " << term << ", whose leader node " << leader << " was seen serving");
        const std::int64_t left_ms = 10000 - milliseconds_since(restarted_at);
        auto record = cluster.wait_for_leader_record(
            term, Milliseconds(std::max<std::int64_t>(left_ms, 100)));
        REQUIRE(record);
        CHECK(record->id.value == leader);
        CHECK(record->name == cluster.address_of(leader));
    }
    WARN("Redis restarted empty: registrations and "
         << serving.size() << " leader records back after " << milliseconds_since(restarted_at)
         << " ms");

    bool reconnected = poll_until(Milliseconds(5000), [&] {
        auto statuses = cluster.statuses(all);
        for (const auto& [id, status] : statuses) {
            if (!status.redis_connected) {
                return false;
            }
        }
        return statuses.size() == all.size();
    });
    CHECK(reconnected);

    HttpReply paused = cluster.propose_mission({{"action", "pause"}});
    REQUIRE(paused.status == 200);
    cluster.wait_converged(all, Milliseconds(10000));
    cluster.replay_log_of_any_node();
    cluster.check_invariants();
}
