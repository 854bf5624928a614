// Integration: the built-in faults (POST /chaos on each node) on five real
// processes. Each test asserts what Raft does under the fault, not only the
// HTTP answer, and every acknowledged move must be in the final log.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// Puts `fault` on node `id`; the node answers once its loop took it.
void put_fault(LocalCluster& cluster, std::uint64_t id, const json& fault)
{
    HttpReply reply = cluster.client(id).post("/chaos", fault);
    INFO("POST /chaos " << fault.dump() << " on node " << id << ": " << reply.describe());
    REQUIRE(reply.status == 200);
    REQUIRE(reply.json.at("faults").size() >= 1);
}

void heal(LocalCluster& cluster, std::uint64_t id)
{
    HttpReply reply = cluster.client(id).post("/chaos", json{{"kind", "heal"}});
    INFO("heal node " << id << ": " << reply.describe());
    REQUIRE(reply.status == 200);
    CHECK(reply.json.at("faults").empty());
}

/// The faults node `id` reports in force.
json faults_of(LocalCluster& cluster, std::uint64_t id)
{
    HttpReply reply = cluster.client(id).get("/chaos");
    REQUIRE(reply.status == 200);
    return reply.json.at("faults");
}

json ids_json(const IdSet& ids) { return json(std::vector<std::uint64_t>(ids.begin(), ids.end())); }

/// Every acknowledged move is in the final log, at the index it was
/// answered with.
void check_acknowledged(const ConvoyMirror& mirror,
                        const std::vector<std::pair<MoveRequest, HttpReply>>& moves)
{
    for (const auto& [request, reply] : moves) {
        if (reply.status != 200) {
            continue;
        }
        INFO("acknowledged move " << request.client_id);
        auto index = mirror.index_of_request(request.client_id, request.sequence);
        REQUIRE(index);
        CHECK(*index == reply.json.at("index").get<std::uint64_t>());
    }
}

} // namespace

TEST_CASE("an isolated leader steps down and the rest elect", "[integration][faults]")
{
    // Goal: with every peer message in and out dropped, a leader learns it
    // lost its quorum (check-quorum) within about two election timeouts and
    // steps down; the other four elect a leader and commit; after the heal
    // the old leader rejoins as a follower and every node converges.
    ClusterOptions options;
    options.name = "fault-isolate";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    std::vector<std::pair<MoveRequest, HttpReply>> moves;
    moves.push_back({{1, 0, "before", 1}, cluster.propose_move({1, 0, "before", 1})});
    REQUIRE(moves.back().second.status == 200);

    NodeStatus old_leader = cluster.wait_for_leader();
    IdSet others = all;
    others.erase(old_leader.id);
    const auto isolated_at = Clock::now();
    put_fault(cluster, old_leader.id, json{{"kind", "isolate"}, {"for_ms", 20000}});

    NodeStatus stepped_down =
        cluster.wait_for_status(old_leader.id, "not leader", 3 * options.election_timeout,
                                [](const NodeStatus& status) { return !status.is_leader(); });
    const std::int64_t step_down_ms = milliseconds_since(isolated_at);
    WARN("isolated leader " << old_leader.id << " stepped down after " << step_down_ms << " ms ("
                            << stepped_down.role << ")");
    CHECK(step_down_ms <= 2 * options.election_timeout.count() + 200);
    NodeStatus new_leader = cluster.wait_for_leader(
        "term after " + std::to_string(old_leader.term), Milliseconds(5000),
        [&](const NodeStatus& status) { return status.term > old_leader.term; }, others);
    moves.push_back({{0, 1, "majority", 1},
                     cluster.propose_move({0, 1, "majority", 1}, Milliseconds(5000), others)});
    REQUIRE(moves.back().second.status == 200);
    CHECK(new_leader.id != old_leader.id);

    heal(cluster, old_leader.id);
    cluster.wait_converged(all, Milliseconds(10000));
    check_acknowledged(cluster.replay_log_of_any_node(), moves);
    cluster.check_invariants();
}

TEST_CASE("a partitioned minority cannot commit, and its entries are gone after the heal",
          "[integration][faults]")
{
    // Goal: the leader and one follower cut off from the other three (a
    // partition on each side of the split) keep a leader that cannot commit;
    // a move sent to it is never acknowledged, the majority elects and
    // commits, and after the heal the minority's uncommitted entry is
    // replaced by the majority's log (Raft §5.3, Figure 7).
    ClusterOptions options;
    options.name = "fault-partition";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    NodeStatus old_leader = cluster.wait_for_leader();
    IdSet minority = {old_leader.id, old_leader.id == 1 ? 2U : 1U};
    IdSet majority;
    for (std::uint64_t id : all) {
        if (minority.count(id) == 0) {
            majority.insert(id);
        }
    }
    // Check-quorum would soon depose the minority's leader; a short window
    // is enough for it to take a move it cannot commit.
    for (std::uint64_t id : minority) {
        put_fault(cluster, id,
                  json{{"kind", "partition"}, {"peers", ids_json(majority)}, {"for_ms", 20000}});
    }
    for (std::uint64_t id : majority) {
        put_fault(cluster, id,
                  json{{"kind", "partition"}, {"peers", ids_json(minority)}, {"for_ms", 20000}});
    }
    const MoveRequest lost{5, 5, "minority", 1};
    HttpReply minority_answer = cluster.client(old_leader.id).move(lost);
    INFO("move sent to the minority's leader: " << minority_answer.describe());
    CHECK(minority_answer.status != 200);

    std::vector<std::pair<MoveRequest, HttpReply>> moves;
    cluster.wait_for_leader(
        "majority leader", Milliseconds(5000),
        [&](const NodeStatus& status) { return status.term > old_leader.term; }, majority);
    moves.push_back({{0, 1, "majority", 1},
                     cluster.propose_move({0, 1, "majority", 1}, Milliseconds(5000), majority)});
    REQUIRE(moves.back().second.status == 200);

    for (std::uint64_t id : all) {
        heal(cluster, id);
    }
    cluster.wait_converged(all, Milliseconds(10000));
    ConvoyMirror mirror = cluster.replay_log_of_any_node();
    check_acknowledged(mirror, moves);
    CHECK_FALSE(mirror.index_of_request(lost.client_id, lost.sequence));
    cluster.check_invariants();
}

TEST_CASE("a cluster losing 30% of its messages still commits and converges",
          "[integration][faults]")
{
    // Goal: with every node dropping 30% of what it sends, Raft's resends
    // carry every move through; nothing acknowledged is lost.
    ClusterOptions options;
    options.name = "fault-drop";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    for (std::uint64_t id : all) {
        put_fault(cluster, id, json{{"kind", "drop"}, {"rate", 0.3}, {"for_ms", 60000}});
    }
    std::vector<std::pair<MoveRequest, HttpReply>> moves;
    for (std::uint64_t i = 1; i <= 20; ++i) {
        MoveRequest move{1, 0, "lossy", i};
        moves.push_back({move, cluster.propose_move(move, Milliseconds(10000))});
        INFO("move " << i << ": " << moves.back().second.describe());
        REQUIRE(moves.back().second.status == 200);
    }
    cluster.wait_converged(all, Milliseconds(15000));
    for (std::uint64_t id : all) {
        heal(cluster, id);
    }
    cluster.wait_converged(all, Milliseconds(10000));
    check_acknowledged(cluster.replay_log_of_any_node(), moves);
    cluster.check_invariants();
}

TEST_CASE("a fault heals itself when its time is up", "[integration][faults]")
{
    // Goal: a controller that goes away never leaves the cluster broken: a
    // paused follower and a delayed one are back to normal on time, and
    // GET /chaos shows each fault with its time left until then.
    ClusterOptions options;
    options.name = "fault-expiry";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    NodeStatus leader = cluster.wait_for_leader();
    const std::uint64_t paused = leader.id == 5 ? 4 : 5;
    const std::uint64_t delayed = leader.id == 3 ? 2 : 3;
    const auto started = Clock::now();
    put_fault(cluster, paused, json{{"kind", "pause"}, {"for_ms", 1500}});
    put_fault(cluster, delayed, json{{"kind", "delay"}, {"delay_ms", 40}, {"for_ms", 1500}});
    json shown = faults_of(cluster, paused);
    REQUIRE(shown.size() == 1);
    CHECK(shown[0]["kind"] == "pause");
    CHECK(shown[0]["remaining_ms"].get<std::int64_t>() <= 1500);
    CHECK(shown[0]["remaining_ms"].get<std::int64_t>() > 1000);

    // While paused the node applies nothing, though the cluster commits.
    const std::uint64_t applied_before = cluster.status(paused)->applied_index;
    HttpReply move = cluster.propose_move({1, 0, "during-pause", 1}, Milliseconds(5000));
    REQUIRE(move.status == 200);
    CHECK(cluster.status(paused)->applied_index == applied_before);

    bool healed = poll_until(Milliseconds(3000), [&] {
        return faults_of(cluster, paused).empty() && faults_of(cluster, delayed).empty();
    });
    const std::int64_t healed_ms = milliseconds_since(started);
    WARN("both faults healed themselves " << healed_ms << " ms after they were put in force");
    REQUIRE(healed);
    CHECK(healed_ms >= 1400);
    CHECK(healed_ms <= 2500);
    cluster.wait_converged(all, Milliseconds(10000));
    cluster.check_invariants();
}

TEST_CASE("a crashed node recovers from its own WAL to the state it had, then catches up",
          "[integration][faults]")
{
    // Goal: crash really drops the node's state and closes its data dir, and
    // recover rebuilds it from the WAL and snapshot as a restarted process
    // would. The node is isolated first, so after recovering it can only
    // have its state from its own disk: the same applied index and state
    // hash as before the crash. Crashing the leader meanwhile elects another.
    ClusterOptions options;
    options.name = "fault-crash";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    std::vector<std::pair<MoveRequest, HttpReply>> moves;
    for (std::uint64_t i = 1; i <= 5; ++i) {
        moves.push_back({{1, 0, "before", i}, cluster.propose_move({1, 0, "before", i})});
        REQUIRE(moves.back().second.status == 200);
    }
    NodeStatus old_leader = cluster.wait_converged(all, Milliseconds(10000));
    old_leader = cluster.wait_for_leader();
    IdSet others = all;
    others.erase(old_leader.id);

    put_fault(cluster, old_leader.id, json{{"kind", "isolate"}, {"for_ms", 30000}});
    const NodeStatus before = *cluster.status(old_leader.id);
    put_fault(cluster, old_leader.id, json{{"kind", "crash"}, {"for_ms", 30000}});
    const NodeStatus crashed = *cluster.status(old_leader.id);
    INFO("crashed: " << crashed.summary());
    CHECK(crashed.role == "crashed");
    CHECK(crashed.applied_index == 0);
    CHECK(crashed.state_hash.find_first_not_of('0') == std::string::npos);
    // A crashed node takes no request: nothing it says could be trusted.
    HttpReply refused = cluster.client(old_leader.id).move({0, 1, "to-crashed", 1});
    CHECK(refused.status == 503);

    cluster.wait_for_leader(
        "a leader after the crash", Milliseconds(5000),
        [&](const NodeStatus& status) { return status.term > old_leader.term; }, others);
    moves.push_back({{0, 1, "while-crashed", 1},
                     cluster.propose_move({0, 1, "while-crashed", 1}, Milliseconds(5000), others)});
    REQUIRE(moves.back().second.status == 200);

    HttpReply recovered = cluster.client(old_leader.id).post("/chaos", json{{"kind", "recover"}});
    INFO("recover: " << recovered.describe());
    REQUIRE(recovered.status == 200);
    CHECK(recovered.json.at("faults").size() == 1); // the isolate is still in force
    const NodeStatus after = *cluster.status(old_leader.id);
    INFO("before the crash: " << before.summary() << "\nafter recovery: " << after.summary());
    CHECK(after.role != "crashed");
    CHECK(after.applied_index == before.applied_index);
    CHECK(after.state_hash == before.state_hash);
    CHECK(after.term >= before.term);

    heal(cluster, old_leader.id);
    NodeStatus rejoined =
        cluster.wait_for_status(old_leader.id, "follower", Milliseconds(10000),
                                [](const NodeStatus& status) { return status.role == "follower"; });
    CHECK(rejoined.role == "follower");
    cluster.wait_converged(all, Milliseconds(10000));
    check_acknowledged(cluster.replay_log_of_any_node(), moves);
    cluster.check_invariants();
}

TEST_CASE("a crash heals itself on time, and a disk stall slows every commit",
          "[integration][faults]")
{
    // Goal: a crash left alone recovers when its time is up; a disk stall
    // on every node makes each commit wait at least the stall, and moves
    // are fast again once it heals. A stall holds the node's loop, heartbeats
    // too, so the election timeout here is well above it; a stall near the
    // timeout costs the cluster its leader, over and over.
    ClusterOptions options;
    options.name = "fault-disk";
    options.election_timeout = Milliseconds(1500);
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    NodeStatus leader = cluster.wait_for_leader();
    const std::uint64_t follower = leader.id == 5 ? 4 : 5;
    const auto crashed_at = Clock::now();
    put_fault(cluster, follower, json{{"kind", "crash"}, {"for_ms", 1500}});
    bool back = poll_until(Milliseconds(4000), [&] {
        std::optional<NodeStatus> status = cluster.status(follower);
        return status && status->role == "follower";
    });
    const std::int64_t back_ms = milliseconds_since(crashed_at);
    WARN("crashed follower " << follower << " was a follower again " << back_ms << " ms later");
    REQUIRE(back);
    CHECK(back_ms >= 1400);

    std::vector<std::pair<MoveRequest, HttpReply>> moves;
    auto timed_move = [&](const std::string& client, std::uint64_t sequence) {
        const auto started = Clock::now();
        MoveRequest move{1, 0, client, sequence};
        moves.push_back({move, cluster.propose_move(move, Milliseconds(10000))});
        REQUIRE(moves.back().second.status == 200);
        return milliseconds_since(started);
    };
    const std::int64_t fast_ms = timed_move("disk", 1);
    for (std::uint64_t id : all) {
        put_fault(cluster, id, json{{"kind", "disk-stall"}, {"delay_ms", 300}, {"for_ms", 30000}});
    }
    const std::int64_t first_stalled_ms = timed_move("disk", 2);
    const std::int64_t stalled_ms = std::min(first_stalled_ms, timed_move("disk", 3));
    for (std::uint64_t id : all) {
        heal(cluster, id);
    }
    const std::int64_t healed_ms = timed_move("disk", 4);
    WARN("move commit: " << fast_ms << " ms before, " << stalled_ms << " ms under a 300 ms disk "
                         << "stall, " << healed_ms << " ms after the heal");
    CHECK(stalled_ms >= 300);
    CHECK(healed_ms < 300);
    cluster.wait_converged(all, Milliseconds(10000));
    check_acknowledged(cluster.replay_log_of_any_node(), moves);
    cluster.check_invariants();
}
