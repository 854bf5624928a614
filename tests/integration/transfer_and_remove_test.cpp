// Integration: leadership moves on request, and a member can be removed, on
// real processes (the node API under `ctl transfer-leader` and `ctl members`).

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

using namespace raftescort::integration;

TEST_CASE("transfer_leadership_and_remove_member", "[integration][membership]")
{
    // Goal: POST /transfer-leader hands leadership to the named voter with no
    // election timeout in between and no entry lost; POST /members/remove
    // takes a follower out of the voters and the roster, and the cluster
    // keeps committing without it.
    // Method: bootstrap 3 nodes; transfer to a named follower; then transfer
    // with no target; remove a follower; move the convoy; check convergence.
    ClusterOptions options;
    options.name = "transfer";
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    REQUIRE(cluster.propose_move(MoveRequest::by(2, 0)).status == 200);

    NodeStatus leader = cluster.wait_for_leader();
    std::uint64_t target = leader.id == 3 ? 2 : 3;
    HttpReply moved = cluster.client(leader.id).post("/transfer-leader", {{"to", target}});
    INFO("POST /transfer-leader: " << moved.describe());
    REQUIRE(moved.status == 200);
    CHECK(moved.json["from"] == leader.id);
    CHECK(moved.json["to"] == target);
    CHECK(moved.json["term"].get<std::uint64_t>() > leader.term);
    NodeStatus next = cluster.wait_for_leader(
        "the transfer target", Milliseconds(5000), [&](const NodeStatus& status) {
            return status.id == target && status.is_serving_leader();
        });
    CHECK(next.lead == Point{2, 0});

    // A follower asked to transfer says who leads instead.
    HttpReply misdirected = cluster.client(leader.id).post("/transfer-leader", {{"to", leader.id}});
    CHECK(misdirected.status == 421);
    CHECK(misdirected.json["leader"] == target);

    HttpReply any = cluster.client(target).post("/transfer-leader", nlohmann::json::object());
    REQUIRE(any.status == 200);
    CHECK(any.json["to"] != target);

    NodeStatus current = cluster.wait_for_leader(
        "a leader after the second transfer", Milliseconds(5000), [&](const NodeStatus& status) {
            return status.id != target && status.is_serving_leader();
        });
    std::uint64_t removed = current.id == 1 ? 2 : 1;
    if (removed == current.id) {
        removed = 3;
    }
    HttpReply removal = cluster.client(current.id).post("/members/remove", {{"id", removed}});
    INFO("POST /members/remove: " << removal.describe());
    REQUIRE(removal.status == 200);
    IdSet remaining = {1, 2, 3};
    remaining.erase(removed);
    NodeStatus shrunk = cluster.wait_for_members(remaining, {}, Milliseconds(5000));
    CHECK(shrunk.voters.size() == 2);
    HttpReply after = cluster.client(shrunk.id).get("/status");
    REQUIRE(after.status == 200);
    for (const auto& position : after.json["positions"]) {
        CHECK(position["id"] != removed); // its formation slot is freed
    }
    REQUIRE(cluster.propose_move(MoveRequest::by(0, 1), Milliseconds(10000), remaining).status
            == 200);
    cluster.wait_converged(remaining, Milliseconds(10000));
    // The removed node is stopped by the fixture like any other.
}
