// Integration: GET /raft/trace on real processes. The trace must show why a
// vote was refused, and count heartbeats rather than list them.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// Everything node `id` traced so far (the ring's oldest first).
json trace_of(LocalCluster& cluster, std::uint64_t id)
{
    HttpReply reply = cluster.client(id).get("/raft/trace?after=0&limit=1000");
    INFO("GET /raft/trace on node " << id << ": " << reply.describe());
    REQUIRE(reply.status == 200);
    REQUIRE(reply.json.at("messages").is_array());
    return reply.json.at("messages");
}

} // namespace

TEST_CASE("the trace shows a refused pre-vote with its reason, and counts heartbeats",
          "[integration][trace]")
{
    // Goal: a follower that stops hearing the leader (a partition of its
    // inbound link from the leader only) asks for pre-votes; the others
    // still hear the leader, so each refuses with "leader alive" (Raft
    // dissertation §9.6), and their traces say so. The leader's heartbeats
    // appear as counts of more than one, never one by one.
    ClusterOptions options;
    options.name = "raft-trace-refusal";
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    NodeStatus leader = cluster.wait_for_leader();
    const std::uint64_t deaf = leader.id == 3 ? 2 : 3;
    const std::uint64_t other = 6 - leader.id - deaf;

    HttpReply cut = cluster.client(deaf).post(
        "/chaos", json{{"kind", "partition"},
                       {"peers", json::array({leader.id})},
                       {"direction", "in"},
                       {"for_ms", 30000}});
    INFO("partition: " << cut.describe());
    REQUIRE(cut.status == 200);

    // Several election timeouts: the deaf node campaigns and is refused.
    const auto deadline = Clock::now() + 10 * options.election_timeout;
    bool refused = false;
    json refusal;
    while (!refused && Clock::now() < deadline) {
        std::this_thread::sleep_for(options.election_timeout);
        for (const json& message : trace_of(cluster, other)) {
            if (message.at("type") == "pre_vote_response" && message.at("to") == deaf
                && message.at("granted") == false) {
                refused = true;
                refusal = message;
            }
        }
    }
    INFO("refusal: " << refusal.dump());
    REQUIRE(refused);
    CHECK(refusal.at("reason") == "leader alive");
    CHECK(refusal.at("from") == other);

    bool asked = false;
    for (const json& message : trace_of(cluster, deaf)) {
        asked = asked || (message.at("type") == "pre_vote" && message.at("to") == other);
    }
    CHECK(asked);

    // Counts are listed when their one-second window ends.
    std::uint64_t heartbeats_listed_alone = 0;
    std::uint64_t heartbeats_counted = 0;
    const auto counted_by = Clock::now() + Milliseconds(5000);
    while (heartbeats_counted == 0 && Clock::now() < counted_by) {
        std::this_thread::sleep_for(Milliseconds(200));
        heartbeats_listed_alone = 0;
        heartbeats_counted = 0;
        for (const json& message : trace_of(cluster, leader.id)) {
            if (message.at("type") != "heartbeat") {
                continue;
            }
            const std::uint64_t count = message.at("count").get<std::uint64_t>();
            heartbeats_listed_alone += count == 1 ? 1 : 0;
            heartbeats_counted += count;
        }
    }
    // A window that held a single heartbeat is a count of one: allowed, rare.
    CHECK(heartbeats_counted > 0);
    CHECK(heartbeats_counted > 10 * heartbeats_listed_alone);

    HttpReply healed = cluster.client(deaf).post("/chaos", json{{"kind", "heal"}});
    REQUIRE(healed.status == 200);
    cluster.wait_converged({1, 2, 3}, Milliseconds(10000));
}

TEST_CASE("the trace starts from now without a cursor, and refuses bad queries",
          "[integration][trace]")
{
    // Goal: GET /raft/trace without `after` gives only a cursor (no
    // backlog); following it gives what was sent since; bad input is a 400.
    ClusterOptions options;
    options.name = "raft-trace-cursor";
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    NodeStatus leader = cluster.wait_for_leader();
    HttpReply start = cluster.client(leader.id).get("/raft/trace");
    REQUIRE(start.status == 200);
    CHECK(start.json.at("messages").empty());
    const std::uint64_t cursor = start.json.at("next").get<std::uint64_t>();
    REQUIRE(cluster.propose_move({1, 0, "trace", 1}).status == 200);
    HttpReply since = cluster.client(leader.id).get("/raft/trace?after=" + std::to_string(cursor));
    REQUIRE(since.status == 200);
    bool append_with_entry = false;
    for (const json& message : since.json.at("messages")) {
        CHECK(message.at("seq").get<std::uint64_t>() > cursor);
        append_with_entry = append_with_entry
                            || (message.at("type") == "append" && message.at("entries") >= 1);
    }
    CHECK(append_with_entry);
    for (const char* bad : {"/raft/trace?after=x", "/raft/trace?limit=5000"}) {
        HttpReply refused = cluster.client(leader.id).get(bad);
        INFO(bad << ": " << refused.describe());
        CHECK(refused.status == 400);
    }
}
