// Integration: a crashed node restarts from its data dir and catches up; a
// node that lost its data dir is refused instead of voting with a blank log.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace raftescort::integration;

TEST_CASE("restart_from_data_dir_catches_up", "[integration][restart]")
{
    // Goal: durability and amnesia safety. A follower killed with SIGKILL
    // comes back as itself from its data dir, applies the moves it missed and
    // ends in the leader's state. A voter whose data dir was wiped must not
    // rejoin under its old id: it exits non-zero with a line that says its
    // data dir is empty, and the cluster's leader and term are untouched, so
    // it never voted with a blank log (the amnesia fault).
    // Method: kill a follower, commit 20 moves, restart it, wait until it has
    // applied the leader's commit index and all five converge, and find every
    // acknowledged move exactly once in the replayed log. Then stop another
    // follower with SIGTERM, empty its data dir, start it again and wait up
    // to 10 s for it to exit.
    ClusterOptions options;
    options.name = "restart";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);

    NodeStatus leader = cluster.wait_for_leader();
    const std::uint64_t crashed = leader.id == 5 ? 4 : 5;
    cluster.kill_node(crashed);

    std::vector<HttpReply> acknowledged;
    for (std::uint64_t sequence = 1; sequence <= 20; ++sequence) {
        HttpReply reply = cluster.propose_move({1, 0, "while-down", sequence});
        INFO("move " << sequence << ": " << reply.describe());
        REQUIRE(reply.status == 200);
        CHECK(reply.json.at("result") == "moved");
        acknowledged.push_back(reply);
    }
    NodeStatus after_moves = cluster.wait_for_leader();

    cluster.start_node(crashed);
    cluster.wait_until_serving(crashed);
    NodeStatus caught_up = cluster.wait_for_status(
        crashed, "applied index >= " + std::to_string(after_moves.commit_index),
        Milliseconds(10000),
        [&](const NodeStatus& status) { return status.applied_index >= after_moves.commit_index; });
    CHECK(caught_up.term >= after_moves.term);
    NodeStatus converged = cluster.wait_converged(all, Milliseconds(10000));
    CHECK(converged.lead == Point{20, 0});

    ConvoyMirror mirror = cluster.replay_log(crashed);
    for (std::uint64_t sequence = 1; sequence <= 20; ++sequence) {
        INFO("acknowledged move " << sequence);
        auto index = mirror.index_of_request("while-down", sequence);
        REQUIRE(index);
        CHECK(*index == acknowledged[sequence - 1].json.at("index").get<std::uint64_t>());
    }
    CHECK(mirror.moves_applied() == 20);
    CHECK(mirror.moves_duplicate() == 0);

    // Amnesia: a voter comes back with an empty data dir under its old id.
    NodeStatus before = cluster.wait_for_leader();
    std::uint64_t wiped = 0;
    for (auto id : all) {
        if (id != before.id && id != crashed) {
            wiped = id;
            break;
        }
    }
    REQUIRE(wiped != 0);
    cluster.stop_node(wiped);
    cluster.wipe_data_dir(wiped);
    cluster.start_node(wiped);
    const auto started_at = Clock::now();
    auto exit = cluster.process(wiped).wait_exit(Milliseconds(10000));
    WARN("node " << wiped << " with an empty data dir "
                 << (exit ? exit->describe() : std::string("was still running")) << " after "
                 << milliseconds_since(started_at) << " ms");
    const std::string stderr_text = cluster.log_of_latest_run(wiped);
    INFO("node " << wiped << " with an empty data dir wrote:\n" << stderr_text);
    REQUIRE(exit);
    INFO("it " << exit->describe());
    CHECK(exit->exited);
    CHECK(exit->code != 0);
    CHECK(stderr_text.find("empty") != std::string::npos);

    IdSet remaining = all;
    remaining.erase(wiped);
    NodeStatus after = cluster.wait_for_leader(Milliseconds(5000), remaining);
    CHECK(after.id == before.id);
    CHECK(after.term == before.term);
    HttpReply still_commits = cluster.propose_move({0, 1, "after-refusal", 1});
    INFO("move after the refusal: " << still_commits.describe());
    CHECK(still_commits.status == 200);
    cluster.check_invariants();
}
