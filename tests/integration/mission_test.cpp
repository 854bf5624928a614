// Integration: five real nodes elect one leader per term and carry the convoy
// from [0,0] to the mission target, every node ending in the same state.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <utility>

using namespace raftescort::integration;

TEST_CASE("five_nodes_elect_and_finish_mission", "[integration][mission]")
{
    // Goal: the whole happy path holds on real processes: bootstrap through
    // Redis, one leader per term, the mission reaching [100,0] by unit steps,
    // identical state on every node, and the Redis record of the leader.
    // Method: bootstrap 5 nodes, POST /mission start, sample /status of every
    // node until all report the lead at the target (each sample is checked
    // for election and state machine safety), then replay the applied log
    // and compare every sampled convoy with it, and read the leader record.
    ClusterOptions options;
    options.name = "mission";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    NodeStatus start = cluster.bootstrap(5);
    CHECK(start.lead == Point{0, 0});
    CHECK(start.mission.target == Point{100, 0});
    CHECK_FALSE(start.mission.running);

    HttpReply started = cluster.propose_mission({{"action", "start"}});
    INFO("POST /mission start: " << started.describe());
    REQUIRE(started.status == 200);

    // 100 steps at one per 20 ms take 2 s; 30 s leaves room for a slow machine.
    std::map<std::uint64_t, NodeStatus> last;
    bool arrived = poll_until(Milliseconds(30000), [&] {
        last = cluster.statuses(all);
        if (last.size() != all.size()) {
            return false;
        }
        for (const auto& [id, status] : last) {
            if (status.lead != Point{100, 0} || status.mission.running) {
                return false;
            }
        }
        return true;
    });
    INFO("last statuses:\n" << LocalCluster::summaries(last));
    REQUIRE(arrived);

    NodeStatus final_state = cluster.wait_converged(all, Milliseconds(10000));
    CHECK(final_state.lead == Point{100, 0});
    CHECK(final_state.mission.steps_taken == 100);
    CHECK_FALSE(final_state.mission.running);

    // Every node agrees on the term and its leader, and the Raft leader holds
    // the lead: its position is the lead point; the formation has no overlap.
    NodeStatus leader = cluster.wait_for_leader();
    std::set<std::pair<std::int64_t, std::int64_t>> positions;
    for (const auto& [id, status] : cluster.statuses(all)) {
        INFO(status.summary());
        CHECK(status.term == leader.term);
        CHECK(status.leader == leader.id);
        CHECK(status.leader_name == leader.name);
        REQUIRE(status.position);
        positions.insert({status.position->x, status.position->y});
    }
    CHECK(positions.size() == all.size());
    CHECK(leader.lead_unit == leader.id);

    // The followers' acks came back inside the leader's own requests, and
    // each follower counts the leader reachable though it never posts to it.
    REQUIRE(leader.peers.size() == all.size() - 1);
    for (const PeerStatus& peer : leader.peers) {
        INFO("leader's view of node " << peer.id);
        CHECK(peer.answers_in_responses > 0);
        CHECK(peer.reachable);
    }
    for (const auto& [id, status] : cluster.statuses(all)) {
        for (const PeerStatus& peer : status.peers) {
            if (peer.id == leader.id) {
                INFO("node " << id << "'s view of the leader");
                CHECK(peer.reachable);
            }
        }
    }
    REQUIRE(leader.position);
    CHECK(*leader.position == Point{100, 0});

    // Escort continuity: the log explains every convoy any node reported, by
    // unit steps only (no moves were sent), each step applied once.
    ConvoyMirror mirror = cluster.replay_log(leader.id);
    CHECK(mirror.state().lead == Point{100, 0});
    CHECK(mirror.steps_applied() == 100);
    CHECK(mirror.moves_applied() == 0);
    WARN("mission: " << mirror.steps_applied() << " steps applied, " << mirror.steps_stale()
                     << " stale steps in the log, " << cluster.observer().samples()
                     << " status samples checked");

    // The record agrees with what the nodes said.
    auto record = cluster.wait_for_leader_record(leader.term, Milliseconds(10000));
    INFO("Redis leader record of term " << leader.term);
    REQUIRE(record);
    CHECK(record->id.value == leader.id);
    CHECK(record->name == leader.name);
    CHECK(record->term.value == leader.term);
    for (const auto& [term, id] : cluster.observer().leader_of_term()) {
        auto read = cluster.registry().read_leader(monotonic_ms(), raftescort::raft::Term{term});
        if (read.ok()) {
            INFO("term " << term);
            CHECK(read.value().id.value == id);
        }
    }
    cluster.check_invariants();
}
