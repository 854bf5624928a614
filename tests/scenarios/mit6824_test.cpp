// The MIT 6.824 (6.5840) Raft lab tests, ported to the deterministic
// simulator (the test layers are listed in man/raftescort-architecture.7).
// Each keeps the lab's scenario and assertions; sleeps become ticks (1 tick
// ~ one 50 ms heartbeat, election timeout 10-20 ticks). The simulator's
// checker runs after every event throughout, so every test also asserts
// Raft's safety properties and escort continuity.
//
// Differences forced by our design, stated once: the log starts with the
// bootstrap membership entries and each term with the leader's no-op, so
// expected indexes are counted from the leader's log rather than from 1.

#include "sim/sim_cluster.hpp"

#include <raftescort/util/rng.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace raftescort;
using raft::Index;
using raft::NodeId;
using sim::ClusterOptions;
using sim::SimCluster;

namespace {

ClusterOptions lab_options(std::uint64_t seed, std::size_t servers)
{
    ClusterOptions options;
    options.seed = seed;
    options.voter_count = servers;
    return options;
}

/// A distinct client move per value, so every command is a real escort entry.
std::string command(std::uint64_t value) { return "move 1 0 c=lab s=" + std::to_string(value); }

NodeId server(std::uint64_t zero_based_index) { return NodeId{zero_based_index + 1}; }

std::uint64_t slot(NodeId id) { return id.value - 1; }

void require_healthy(const SimCluster& cluster)
{
    INFO(cluster.failure());
    REQUIRE_FALSE(cluster.failed());
}

/// Proposes at whichever node leads now; the proposal may or may not commit.
void propose_at_all(SimCluster& cluster, const std::string& data)
{
    for (NodeId id : cluster.node_ids()) {
        if (cluster.node(id).active() && cluster.node(id).raft().role() == raft::Role::leader) {
            (void)cluster.propose(id, data);
        }
    }
}

Index leader_last_index(SimCluster& cluster, NodeId leader)
{
    return cluster.node(leader).raft().last_index();
}

} // namespace

TEST_CASE("6.824 InitialElection: one leader, a stable term", "[sim][6.824]")
{
    SimCluster cluster(lab_options(11, 3));
    REQUIRE(cluster.check_one_leader());
    cluster.run_ticks(5);
    auto term1 = cluster.agreed_term();
    REQUIRE(term1);
    REQUIRE(term1->value >= 1);
    // No failures: the term stays put for two seconds (40 ticks).
    cluster.run_ticks(40);
    REQUIRE(cluster.agreed_term() == term1);
    REQUIRE(cluster.check_one_leader());
    require_healthy(cluster);
}

TEST_CASE("6.824 ReElection: new leaders after failures, none without a quorum", "[sim][6.824]")
{
    SimCluster cluster(lab_options(12, 3));
    auto leader1 = cluster.check_one_leader();
    REQUIRE(leader1);
    cluster.disconnect(*leader1);
    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    REQUIRE(*leader2 != *leader1);
    // The old leader rejoins; it must not disturb the new one's leadership.
    cluster.connect(*leader1);
    auto leader3 = cluster.check_one_leader();
    REQUIRE(leader3);

    // Two of three gone: the one left must not become leader.
    NodeId other = server((slot(*leader3) + 1) % 3);
    cluster.disconnect(*leader3);
    cluster.disconnect(other);
    cluster.run_ticks(40);
    NodeId alone = server((slot(*leader3) + 2) % 3);
    REQUIRE(cluster.node(alone).raft().role() != raft::Role::leader);

    cluster.connect(other);
    REQUIRE(cluster.check_one_leader());
    cluster.connect(*leader3);
    REQUIRE(cluster.check_one_leader());
    require_healthy(cluster);
}

TEST_CASE("6.824 ManyElections: 7 servers, 3 random ones cut each round", "[sim][6.824]")
{
    SimCluster cluster(lab_options(13, 7));
    REQUIRE(cluster.check_one_leader());
    util::Rng rng(13);
    for (int round = 0; round < 10; ++round) {
        std::vector<NodeId> cut;
        for (int i = 0; i < 3; ++i) {
            NodeId id = server(rng.uniform(7));
            cut.push_back(id);
            cluster.disconnect(id);
        }
        // Either the cut servers leave a majority, which elects, or the
        // checker's one-leader-per-term holds regardless.
        std::set<NodeId> distinct(cut.begin(), cut.end());
        if (distinct.size() <= 3) {
            REQUIRE(cluster.check_one_leader(200));
        }
        for (NodeId id : cut) {
            cluster.connect(id);
        }
    }
    REQUIRE(cluster.check_one_leader());
    require_healthy(cluster);
}

TEST_CASE("6.824 BasicAgree: commands land at consecutive indexes on all", "[sim][6.824]")
{
    SimCluster cluster(lab_options(14, 3));
    auto leader = cluster.check_one_leader();
    REQUIRE(leader);
    cluster.run_ticks(3);
    Index base = leader_last_index(cluster, *leader);
    for (std::uint64_t i = 1; i <= 3; ++i) {
        Index expected{base.value + i};
        // Nothing is committed at an index before its command is started.
        REQUIRE(cluster.n_committed(expected).count == 0);
        auto index = cluster.one(command(i), 3, false);
        REQUIRE(index.ok());
        REQUIRE(index.value() == expected);
    }
    require_healthy(cluster);
}

TEST_CASE("6.824 FollowerFailure: two of three commit, one alone does not", "[sim][6.824]")
{
    SimCluster cluster(lab_options(15, 3));
    REQUIRE(cluster.one(command(101), 3).ok());
    auto leader1 = cluster.check_one_leader();
    REQUIRE(leader1);
    cluster.disconnect(server((slot(*leader1) + 1) % 3));
    REQUIRE(cluster.one(command(102), 2).ok());
    cluster.run_ticks(20);
    REQUIRE(cluster.one(command(103), 2).ok());

    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    cluster.disconnect(server((slot(*leader2) + 1) % 3));
    cluster.disconnect(server((slot(*leader2) + 2) % 3));
    auto position = cluster.propose(*leader2, command(104));
    REQUIRE(position.ok());
    cluster.run_ticks(40);
    REQUIRE(cluster.n_committed(position.value().index).count == 0);
    require_healthy(cluster);
}

TEST_CASE("6.824 LeaderFailure: the survivors elect and commit; one alone does not", "[sim][6.824]")
{
    SimCluster cluster(lab_options(16, 3));
    REQUIRE(cluster.one(command(101), 3).ok());
    auto leader1 = cluster.check_one_leader();
    REQUIRE(leader1);
    cluster.disconnect(*leader1);
    REQUIRE(cluster.one(command(102), 2).ok());
    cluster.run_ticks(20);
    REQUIRE(cluster.one(command(103), 2).ok());

    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    cluster.disconnect(*leader2);
    Index before = cluster.node(*leader2).raft().commit_index();
    for (NodeId id : cluster.node_ids()) {
        (void)cluster.propose(id, command(104));
    }
    cluster.run_ticks(40);
    // Nothing beyond what was committed before can be committed by one server.
    for (NodeId id : cluster.node_ids()) {
        if (id != *leader1 && id != *leader2) {
            REQUIRE(cluster.node(id).raft().commit_index() <= before);
        }
    }
    require_healthy(cluster);
}

TEST_CASE("6.824 FailAgree: a reconnected follower catches up", "[sim][6.824]")
{
    SimCluster cluster(lab_options(17, 3));
    REQUIRE(cluster.one(command(101), 3).ok());
    auto leader = cluster.check_one_leader();
    REQUIRE(leader);
    NodeId follower = server((slot(*leader) + 1) % 3);
    cluster.disconnect(follower);
    for (std::uint64_t value = 102; value <= 105; ++value) {
        REQUIRE(cluster.one(command(value), 2).ok());
    }
    cluster.run_ticks(20);
    cluster.connect(follower);
    REQUIRE(cluster.one(command(106), 3).ok());
    cluster.run_ticks(20);
    REQUIRE(cluster.one(command(107), 3).ok());
    require_healthy(cluster);
}

TEST_CASE("6.824 FailNoAgree: no commit without a majority, then recovery", "[sim][6.824]")
{
    SimCluster cluster(lab_options(18, 5));
    REQUIRE(cluster.one(command(10), 5).ok());
    auto leader = cluster.check_one_leader();
    REQUIRE(leader);
    for (std::uint64_t k = 1; k <= 3; ++k) {
        cluster.disconnect(server((slot(*leader) + k) % 5));
    }
    Index base = leader_last_index(cluster, *leader);
    auto position = cluster.propose(*leader, command(20));
    REQUIRE(position.ok());
    REQUIRE(position.value().index == Index{base.value + 1});
    cluster.run_ticks(40);
    REQUIRE(cluster.n_committed(position.value().index).count == 0);

    for (std::uint64_t k = 1; k <= 3; ++k) {
        cluster.connect(server((slot(*leader) + k) % 5));
    }
    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    REQUIRE(cluster.one(command(1000), 5).ok());
    require_healthy(cluster);
}

TEST_CASE("6.824 ConcurrentStarts: five proposals in one term all commit", "[sim][6.824]")
{
    SimCluster cluster(lab_options(19, 3));
    bool success = false;
    for (int attempt = 0; attempt < 5 && !success; ++attempt) {
        auto leader = cluster.check_one_leader();
        REQUIRE(leader);
        raft::Term term = cluster.node(*leader).raft().term();
        std::vector<raft::LogPosition> positions;
        for (std::uint64_t i = 0; i < 5; ++i) {
            auto position = cluster.propose(*leader, command(100 * attempt + i));
            if (position.ok()) {
                positions.push_back(position.value());
            }
        }
        cluster.run_ticks(20);
        success = positions.size() == 5;
        for (const raft::LogPosition& position : positions) {
            auto committed = cluster.n_committed(position.index);
            success = success && committed.count == 3 && committed.term == term;
        }
    }
    REQUIRE(success);
    require_healthy(cluster);
}

TEST_CASE("6.824 Rejoin: a partitioned leader's stale entries are discarded", "[sim][6.824]")
{
    SimCluster cluster(lab_options(20, 3));
    REQUIRE(cluster.one(command(101), 3).ok());
    auto leader1 = cluster.check_one_leader();
    REQUIRE(leader1);
    cluster.disconnect(*leader1);
    // The cut-off leader appends entries that can never commit.
    for (std::uint64_t value = 102; value <= 104; ++value) {
        (void)cluster.propose(*leader1, command(value));
    }
    REQUIRE(cluster.one(command(103), 2).ok());
    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    cluster.disconnect(*leader2);
    cluster.connect(*leader1);
    REQUIRE(cluster.one(command(104), 2).ok());
    cluster.connect(*leader2);
    REQUIRE(cluster.one(command(105), 3).ok());
    require_healthy(cluster);
}

TEST_CASE("6.824 Backup: diverged logs of 50 entries are repaired quickly", "[sim][6.824]")
{
    SimCluster cluster(lab_options(21, 5));
    util::Rng rng(21);
    std::uint64_t value = 1;
    REQUIRE(cluster.one(command(value++), 5).ok());
    auto leader1 = cluster.check_one_leader();
    REQUIRE(leader1);
    // Leader and one follower on one side, uncommitted entries piling up.
    for (std::uint64_t k = 2; k <= 4; ++k) {
        cluster.disconnect(server((slot(*leader1) + k) % 5));
    }
    for (int i = 0; i < 50; ++i) {
        (void)cluster.propose(*leader1, command(value++));
    }
    cluster.run_ticks(10);
    cluster.disconnect(*leader1);
    cluster.disconnect(server((slot(*leader1) + 1) % 5));
    for (std::uint64_t k = 2; k <= 4; ++k) {
        cluster.connect(server((slot(*leader1) + k) % 5));
    }
    for (int i = 0; i < 50; ++i) {
        REQUIRE(cluster.one(command(value++), 3).ok());
    }
    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    NodeId other = server((slot(*leader1) + 2) % 5);
    if (*leader2 == other) {
        other = server((slot(*leader2) + 1) % 5);
        if (other == *leader1 || other == server((slot(*leader1) + 1) % 5)) {
            other = server((slot(*leader1) + 3) % 5);
        }
    }
    cluster.disconnect(other);
    for (int i = 0; i < 50; ++i) {
        (void)cluster.propose(*leader2, command(value++));
    }
    cluster.run_ticks(10);
    for (NodeId id : cluster.node_ids()) {
        cluster.disconnect(id);
    }
    cluster.connect(*leader1);
    cluster.connect(server((slot(*leader1) + 1) % 5));
    cluster.connect(other);
    for (int i = 0; i < 50; ++i) {
        REQUIRE(cluster.one(command(value++), 3).ok());
    }
    for (NodeId id : cluster.node_ids()) {
        cluster.connect(id);
    }
    std::uint64_t start = cluster.now();
    REQUIRE(cluster.one(command(value++), 5).ok());
    // Repairing 100+ diverged entries takes a few round trips, not one per entry.
    REQUIRE(cluster.now() - start < 60);
    (void)rng;
    require_healthy(cluster);
}

TEST_CASE("6.824 Count: elections and agreement cost few messages", "[sim][6.824]")
{
    SimCluster cluster(lab_options(22, 3));
    REQUIRE(cluster.check_one_leader());
    std::uint64_t election_messages = cluster.network_stats().sent;
    // 6.824 allows 30 RPCs (60 messages counting replies) for an election.
    REQUIRE(election_messages <= 60);

    cluster.run_ticks(5);
    std::uint64_t before = cluster.network_stats().sent;
    std::uint64_t ticks_before = cluster.now();
    for (std::uint64_t i = 1; i <= 10; ++i) {
        REQUIRE(cluster.one(command(i), 3, false).ok());
    }
    std::uint64_t spent = cluster.network_stats().sent - before;
    std::uint64_t ticks = cluster.now() - ticks_before;
    // Per entry: append + reply to 2 peers, and the commit broadcast with replies;
    // per tick: one heartbeat + reply to 2 peers. Anything more is waste.
    REQUIRE(spent <= (10 + 3) * 2 * 4 + ticks * 4);

    // Idle: one second (20 ticks) costs only heartbeats.
    before = cluster.network_stats().sent;
    cluster.run_ticks(20);
    REQUIRE(cluster.network_stats().sent - before <= 20 * 4);
    require_healthy(cluster);
}

TEST_CASE("6.824 Persist1: state survives restarts of all, the leader, a follower", "[sim][6.824]")
{
    SimCluster cluster(lab_options(23, 3));
    REQUIRE(cluster.one(command(11), 3).ok());
    for (NodeId id : cluster.node_ids()) {
        cluster.crash(id);
    }
    for (NodeId id : cluster.node_ids()) {
        cluster.restart(id);
    }
    REQUIRE(cluster.one(command(12), 3).ok());

    auto leader1 = cluster.check_one_leader();
    REQUIRE(leader1);
    cluster.crash(*leader1);
    cluster.restart(*leader1);
    REQUIRE(cluster.one(command(13), 3).ok());

    auto leader2 = cluster.check_one_leader();
    REQUIRE(leader2);
    cluster.crash(*leader2);
    REQUIRE(cluster.one(command(14), 2).ok());
    cluster.restart(*leader2);

    auto leader3 = cluster.check_one_leader();
    REQUIRE(leader3);
    NodeId follower = server((slot(*leader3) + 1) % 3);
    cluster.crash(follower);
    REQUIRE(cluster.one(command(15), 2).ok());
    cluster.restart(follower);
    REQUIRE(cluster.one(command(16), 3).ok());
    require_healthy(cluster);
}

TEST_CASE("6.824 Persist2: committed entries survive moving majorities of restarts", "[sim][6.824]")
{
    SimCluster cluster(lab_options(24, 5));
    std::uint64_t index = 1;
    for (int round = 0; round < 5; ++round) {
        REQUIRE(cluster.one(command(10 + index++), 5).ok());
        auto leader1 = cluster.check_one_leader();
        REQUIRE(leader1);
        std::uint64_t l = slot(*leader1);
        cluster.disconnect(server((l + 1) % 5));
        cluster.disconnect(server((l + 2) % 5));
        REQUIRE(cluster.one(command(10 + index++), 3).ok());

        cluster.disconnect(server(l));
        cluster.disconnect(server((l + 3) % 5));
        cluster.disconnect(server((l + 4) % 5));
        for (std::uint64_t k : {1, 2}) {
            cluster.crash(server((l + k) % 5));
            cluster.restart(server((l + k) % 5));
            cluster.connect(server((l + k) % 5));
        }
        cluster.run_ticks(20);
        cluster.crash(server((l + 3) % 5));
        cluster.restart(server((l + 3) % 5));
        cluster.connect(server((l + 3) % 5));
        REQUIRE(cluster.one(command(10 + index++), 3).ok());
        cluster.connect(server((l + 4) % 5));
        cluster.connect(server(l));
    }
    REQUIRE(cluster.one(command(1000), 5).ok());
    require_healthy(cluster);
}

TEST_CASE("6.824 Persist3: a partitioned leader and a follower crash and come back", "[sim][6.824]")
{
    SimCluster cluster(lab_options(25, 3));
    REQUIRE(cluster.one(command(101), 3).ok());
    auto leader = cluster.check_one_leader();
    REQUIRE(leader);
    std::uint64_t l = slot(*leader);
    cluster.disconnect(server((l + 2) % 3));
    REQUIRE(cluster.one(command(102), 2).ok());
    cluster.crash(server(l));
    cluster.crash(server((l + 1) % 3));
    cluster.connect(server((l + 2) % 3));
    cluster.restart(server(l));
    REQUIRE(cluster.one(command(103), 2).ok());
    cluster.restart(server((l + 1) % 3));
    REQUIRE(cluster.one(command(104), 3).ok());
    require_healthy(cluster);
}

namespace {

/// Figure 8 (6.824): leaders crash right after proposing, at random moments;
/// the applier must never see two values at one index.
void run_figure8(std::uint64_t seed, bool unreliable, int iterations)
{
    SimCluster cluster(lab_options(seed, 5));
    util::Rng rng(seed * 7919);
    if (unreliable) {
        cluster.set_unreliable(true);
    }
    REQUIRE(cluster.one(command(rng.uniform(1000000)), 1).ok());
    std::uint64_t up = 5;
    std::set<NodeId> down;
    for (int iteration = 0; iteration < iterations; ++iteration) {
        if (unreliable && iteration == 200) {
            cluster.set_long_reordering(true);
        }
        std::optional<NodeId> leader;
        for (NodeId id : cluster.node_ids()) {
            if (down.count(id) == 0 && cluster.node(id).active()
                && cluster.node(id).raft().role() == raft::Role::leader) {
                (void)cluster.propose(id, command(1000000 + rng.uniform(1000000)));
                leader = id;
            }
        }
        // Mostly a short wait, sometimes a long one (6.824: 0-13 ms or 0-500 ms).
        std::uint32_t wait = rng.chance(0.1) ? static_cast<std::uint32_t>(rng.uniform(10))
                                             : static_cast<std::uint32_t>(rng.uniform(2));
        cluster.run_ticks(wait);
        if (leader && (!unreliable || rng.chance(0.5))) {
            if (unreliable) {
                cluster.disconnect(*leader);
            } else {
                cluster.crash(*leader);
            }
            down.insert(*leader);
            --up;
        }
        if (up < 3) {
            std::vector<NodeId> candidates(down.begin(), down.end());
            NodeId back = candidates[rng.uniform(candidates.size())];
            if (unreliable) {
                cluster.connect(back);
            } else {
                cluster.restart(back);
            }
            down.erase(back);
            ++up;
        }
        REQUIRE_FALSE(cluster.failed());
    }
    for (NodeId id : down) {
        if (unreliable) {
            cluster.connect(id);
        } else {
            cluster.restart(id);
        }
    }
    if (unreliable) {
        cluster.set_long_reordering(false);
        cluster.set_unreliable(false);
    }
    REQUIRE(cluster.one(command(rng.uniform(1000000)), 5, true, 400).ok());
    require_healthy(cluster);
}

} // namespace

TEST_CASE("6.824 Figure8: leaders crash right after proposing", "[sim][6.824]")
{
    run_figure8(26, false, 400);
}

TEST_CASE("6.824 Figure8Unreliable: the same on a lossy, reordering network", "[sim][6.824]")
{
    run_figure8(27, true, 400);
}

TEST_CASE("6.824 UnreliableAgree: concurrent commands on a lossy network", "[sim][6.824]")
{
    SimCluster cluster(lab_options(28, 5));
    cluster.set_unreliable(true);
    std::uint64_t value = 1;
    for (int round = 1; round < 50; ++round) {
        // Four commands started together, then one more awaited (6.824's goroutines).
        for (int j = 0; j < 4; ++j) {
            propose_at_all(cluster, command(value++));
        }
        REQUIRE(cluster.one(command(value++), 1).ok());
    }
    cluster.set_unreliable(false);
    REQUIRE(cluster.one(command(value++), 5).ok());
    require_healthy(cluster);
}

namespace {

/// Churn: clients keep proposing while servers are cut, crashed and restarted;
/// every value a client saw committed must be in the final log.
void run_churn(std::uint64_t seed, bool unreliable)
{
    SimCluster cluster(lab_options(seed, 5));
    util::Rng rng(seed);
    if (unreliable) {
        cluster.set_unreliable(true);
    }
    std::set<std::string> acknowledged;
    std::uint64_t value = 1;
    std::vector<std::pair<NodeId, raft::LogPosition>> waiting;
    for (int round = 0; round < 20; ++round) {
        // Three clients propose at whoever leads, every tick of the round.
        for (int tick = 0; tick < 14; ++tick) {
            for (int client = 0; client < 3; ++client) {
                for (NodeId id : cluster.node_ids()) {
                    if (cluster.node(id).active()
                        && cluster.node(id).raft().role() == raft::Role::leader) {
                        std::string data = command(value++);
                        auto position = cluster.propose(id, data);
                        if (position.ok()) {
                            waiting.push_back({id, position.value()});
                        }
                    }
                }
            }
            cluster.run_tick();
            for (auto it = waiting.begin(); it != waiting.end();) {
                auto committed = cluster.n_committed(it->second.index);
                if (committed.count > 0 && committed.term == it->second.term) {
                    acknowledged.insert(committed.data);
                    it = waiting.erase(it);
                } else {
                    ++it;
                }
            }
        }
        NodeId victim = server(rng.uniform(5));
        if (rng.chance(0.2)) {
            cluster.disconnect(victim);
        }
        NodeId revived = server(rng.uniform(5));
        if (rng.chance(0.5)) {
            if (!cluster.node(revived).live()) {
                cluster.restart(revived);
            }
            cluster.connect(revived);
        }
        NodeId crashed = server(rng.uniform(5));
        if (rng.chance(0.2) && cluster.node(crashed).live()) {
            cluster.crash(crashed);
        }
        REQUIRE_FALSE(cluster.failed());
    }
    for (NodeId id : cluster.node_ids()) {
        if (!cluster.node(id).live()) {
            cluster.restart(id);
        }
        cluster.connect(id);
    }
    cluster.set_unreliable(false);
    auto last = cluster.one(command(value++), 5, true, 600);
    REQUIRE(last.ok());
    std::set<std::string> final_log;
    for (std::uint64_t index = 1; index <= last.value().value; ++index) {
        auto committed = cluster.n_committed(Index{index});
        if (committed.count == 5) {
            final_log.insert(committed.data);
        }
    }
    REQUIRE_FALSE(acknowledged.empty());
    for (const std::string& data : acknowledged) {
        INFO(data);
        REQUIRE(final_log.count(data) == 1);
    }
    require_healthy(cluster);
}

} // namespace

TEST_CASE("6.824 ReliableChurn: nothing acknowledged is lost", "[sim][6.824]")
{
    run_churn(29, false);
}

TEST_CASE("6.824 UnreliableChurn: nothing acknowledged is lost on a lossy network", "[sim][6.824]")
{
    run_churn(30, true);
}

namespace {

ClusterOptions snapshot_options(std::uint64_t seed)
{
    ClusterOptions options = lab_options(seed, 3);
    options.snapshot_interval_entries = 10;
    return options;
}

/// 6.824 snapcommon: a victim is cut off or crashed while the log moves on
/// past several snapshots, then must catch up through InstallSnapshot.
void run_snapshot_install(std::uint64_t seed, bool disconnect, bool unreliable, bool crash)
{
    SimCluster cluster(snapshot_options(seed));
    if (unreliable) {
        cluster.set_unreliable(true);
    }
    std::uint64_t value = 1;
    REQUIRE(cluster.one(command(value++), 3).ok());
    auto leader = cluster.check_one_leader();
    REQUIRE(leader);
    for (int round = 0; round < 30; ++round) {
        NodeId victim = server((slot(*leader) + 1) % 3);
        NodeId sender = *leader;
        if (round % 3 == 1) {
            sender = server((slot(*leader) + 1) % 3);
            victim = *leader;
        }
        if (disconnect) {
            cluster.disconnect(victim);
            REQUIRE(cluster.one(command(value++), 2).ok());
        }
        if (crash) {
            cluster.crash(victim);
            REQUIRE(cluster.one(command(value++), 2).ok());
        }
        // More than one snapshot's worth, so the victim falls behind the compaction point.
        for (int i = 0; i < 11; ++i) {
            propose_at_all(cluster, command(value++));
        }
        REQUIRE(cluster.one(command(value++), 2).ok());
        if (disconnect) {
            cluster.connect(victim);
            REQUIRE(cluster.one(command(value++), 3).ok());
            leader = cluster.check_one_leader();
            REQUIRE(leader);
        }
        if (crash) {
            cluster.restart(victim);
            REQUIRE(cluster.one(command(value++), 3).ok());
            leader = cluster.check_one_leader();
            REQUIRE(leader);
        }
        (void)sender;
        REQUIRE_FALSE(cluster.failed());
    }
    // The persisted log stays bounded by the snapshots (6.824: < 2000 bytes).
    for (NodeId id : cluster.node_ids()) {
        REQUIRE(cluster.node(id).storage().durable().entries.size() < 60);
        REQUIRE(cluster.node(id).storage().durable().snapshot.has_value());
    }
    require_healthy(cluster);
}

} // namespace

TEST_CASE("6.824 SnapshotBasic: the log stays small and all agree", "[sim][6.824]")
{
    run_snapshot_install(31, false, false, false);
}

TEST_CASE("6.824 SnapshotInstall: a cut-off victim catches up by snapshot", "[sim][6.824]")
{
    run_snapshot_install(32, true, false, false);
}

TEST_CASE("6.824 SnapshotInstallUnreliable: the same on a lossy network", "[sim][6.824]")
{
    run_snapshot_install(33, true, true, false);
}

TEST_CASE("6.824 SnapshotInstallCrash: a crashed victim restarts from snapshot and tail",
          "[sim][6.824]")
{
    run_snapshot_install(34, false, false, true);
}

TEST_CASE("6.824 SnapshotInstallUnCrash: crashed victim on a lossy network", "[sim][6.824]")
{
    run_snapshot_install(35, false, true, true);
}

TEST_CASE("6.824 SnapshotAllCrash: commits do not regress after crashing everyone", "[sim][6.824]")
{
    SimCluster cluster(snapshot_options(36));
    std::uint64_t value = 1;
    REQUIRE(cluster.one(command(value++), 3).ok());
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 11; ++i) {
            REQUIRE(cluster.one(command(value++), 3).ok());
        }
        auto before = cluster.one(command(value++), 3);
        REQUIRE(before.ok());
        for (NodeId id : cluster.node_ids()) {
            cluster.crash(id);
        }
        for (NodeId id : cluster.node_ids()) {
            cluster.restart(id);
        }
        auto after = cluster.one(command(value++), 3, true, 400);
        REQUIRE(after.ok());
        REQUIRE(after.value() > before.value());
    }
    require_healthy(cluster);
}

TEST_CASE("6.824 SnapshotInit: a restarted node starts from its snapshot", "[sim][6.824]")
{
    SimCluster cluster(snapshot_options(37));
    std::uint64_t value = 1;
    for (int i = 0; i < 12; ++i) {
        REQUIRE(cluster.one(command(value++), 3).ok());
    }
    for (NodeId id : cluster.node_ids()) {
        cluster.crash(id);
    }
    for (NodeId id : cluster.node_ids()) {
        cluster.restart(id);
        REQUIRE(cluster.node(id).storage().durable().snapshot.has_value());
    }
    REQUIRE(cluster.one(command(value++), 3, true, 400).ok());
    for (NodeId id : cluster.node_ids()) {
        cluster.crash(id);
    }
    for (NodeId id : cluster.node_ids()) {
        cluster.restart(id);
    }
    REQUIRE(cluster.one(command(value++), 3, true, 400).ok());
    require_healthy(cluster);
}
