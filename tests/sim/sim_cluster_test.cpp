// Tests of the simulator harness itself: storage crash semantics, network
// partitions, and the cluster API that scenario tests are written against.

#include "sim/sim_cluster.hpp"
#include "sim/sim_network.hpp"
#include "sim/sim_run.hpp"
#include "sim/sim_storage.hpp"

#include <raftescort/escort/escort.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace raftescort;
using namespace raftescort::sim;

namespace {

raft::Entry entry(std::uint64_t term, std::uint64_t index, std::string data = "x")
{
    return raft::Entry{raft::Term{term}, raft::Index{index}, raft::EntryType::normal,
                       std::move(data)};
}

std::string move_command(const std::string& client, std::uint64_t sequence)
{
    escort::Command command;
    command.kind = escort::CommandKind::move;
    command.dx = 1;
    command.client_id = client;
    command.sequence = sequence;
    return escort::encode_command(command);
}

} // namespace

TEST_CASE("sim storage loses unsynced writes on a crash", "[sim]")
{
    // Goal: only fsynced writes survive a power cut; a later write truncates the suffix.
    SimStorage storage(raft::ConfState{});
    storage.write_entries({entry(1, 1), entry(1, 2), entry(1, 3)});
    storage.sync();
    storage.write_entries({entry(2, 2)});
    storage.write_hard_state(raft::HardState{raft::Term{2}, raft::NodeId{1}, raft::Index{1}});
    storage.crash(nullptr);
    CHECK(storage.durable().last_index() == raft::Index{3});
    CHECK(storage.durable().hard_state.term == raft::Term{0});
    storage.write_entries({entry(2, 2)});
    storage.sync();
    CHECK(storage.durable().last_index() == raft::Index{2});
    CHECK(storage.durable().entry_at(raft::Index{2})->term == raft::Term{2});
}

TEST_CASE("sim storage keeps a prefix of unsynced writes on a torn crash", "[sim]")
{
    // Goal: a torn crash keeps whole writes in order, never a later one without an earlier one.
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        util::Rng rng(seed);
        SimStorage storage(raft::ConfState{});
        storage.write_entries({entry(1, 1), entry(1, 2), entry(1, 3), entry(1, 4)});
        storage.crash(&rng);
        const DurableState& durable = storage.durable();
        for (std::size_t i = 0; i < durable.entries.size(); ++i) {
            CHECK(durable.entries[i].index == raft::Index{i + 1});
        }
    }
}

TEST_CASE("sim storage compaction keeps the entries after the snapshot", "[sim]")
{
    // Goal: Raft §7, a snapshot matching the stored entry keeps the suffix, otherwise drops it.
    SimStorage storage(raft::ConfState{});
    storage.write_entries({entry(1, 1), entry(1, 2), entry(1, 3)});
    raft::Snapshot snapshot;
    snapshot.metadata.index = raft::Index{2};
    snapshot.metadata.term = raft::Term{1};
    storage.write_snapshot(snapshot);
    storage.sync();
    CHECK(storage.durable().snapshot_index() == raft::Index{2});
    CHECK(storage.durable().entries.size() == 1);
    snapshot.metadata.index = raft::Index{3};
    snapshot.metadata.term = raft::Term{5};
    storage.write_snapshot(snapshot);
    storage.sync();
    CHECK(storage.durable().entries.empty());
    CHECK(storage.durable().last_index() == raft::Index{3});
}

TEST_CASE("sim network blocks partitioned links and keeps send order per tick", "[sim]")
{
    // Goal: a blocked link drops; with a fixed delay, messages arrive in send order.
    SimNetwork network(NetworkOptions{}, 1);
    raft::Message message;
    message.from = raft::NodeId{1};
    message.to = raft::NodeId{2};
    network.block(raft::NodeId{1}, raft::NodeId{2});
    network.send(message, 0);
    CHECK(network.stats().dropped_partition == 1);
    network.clear_blocks();
    for (std::uint64_t i = 0; i < 3; ++i) {
        message.commit = raft::Index{i};
        network.send(message, 0);
    }
    CHECK_FALSE(network.pop_due(0).has_value());
    for (std::uint64_t i = 0; i < 3; ++i) {
        auto delivered = network.pop_due(1);
        REQUIRE(delivered.has_value());
        CHECK(delivered->commit == raft::Index{i});
    }
}

TEST_CASE("cluster elects one leader and agrees on commands", "[sim]")
{
    // Goal: 6.824 InitialElection + BasicAgree through the scenario API.
    ClusterOptions options;
    options.seed = 11;
    options.voter_count = 3;
    SimCluster cluster(options);
    const auto leader = cluster.check_one_leader();
    REQUIRE(leader.has_value());
    for (std::uint64_t sequence = 1; sequence <= 3; ++sequence) {
        auto index = cluster.one(move_command("t", sequence), 3);
        REQUIRE(index.ok());
    }
    CHECK(cluster.agreed_term().has_value());
    CHECK_FALSE(cluster.failed());
}

TEST_CASE("cluster re-elects after the leader is disconnected", "[sim]")
{
    // Goal: 6.824 ReElection/FailAgree: two of three commit without the old leader.
    ClusterOptions options;
    options.seed = 5;
    SimCluster cluster(options);
    const auto first = cluster.check_one_leader();
    REQUIRE(first.has_value());
    cluster.disconnect(*first);
    cluster.run_ticks(40);
    const auto second = cluster.check_one_leader();
    REQUIRE(second.has_value());
    CHECK(*second != *first);
    REQUIRE(cluster.one(move_command("t", 1), 2).ok());
    cluster.connect(*first);
    REQUIRE(cluster.one(move_command("t", 2), 3).ok());
    CHECK_FALSE(cluster.failed());
}

TEST_CASE("cluster restarts a crashed follower from its storage", "[sim]")
{
    // Goal: 6.824 Persist: a crashed node comes back with its log and catches up.
    ClusterOptions options;
    options.seed = 3;
    options.snapshot_interval_entries = 5;
    SimCluster cluster(options);
    REQUIRE(cluster.check_one_leader().has_value());
    const raft::NodeId leader = *cluster.leader();
    const raft::NodeId follower{leader.value % 3 + 1};
    cluster.crash(follower);
    for (std::uint64_t sequence = 1; sequence <= 12; ++sequence) {
        REQUIRE(cluster.one(move_command("t", sequence), 2).ok());
    }
    cluster.restart(follower);
    const auto last = cluster.one(move_command("t", 13), 3);
    REQUIRE(last.ok());
    CHECK(cluster.n_committed(last.value()).count == 3);
    CHECK_FALSE(cluster.failed());
}

TEST_CASE("a seed replays exactly", "[sim]")
{
    // Goal: determinism: the same seed gives the same run, event for event.
    RunSettings settings;
    const RunResult first = run_seed(42, settings);
    const RunResult second = run_seed(42, settings);
    CHECK(first.events == second.events);
    CHECK(first.ticks == second.ticks);
    CHECK(first.acks == second.acks);
    CHECK(first.failure == second.failure);
}

TEST_CASE("the checker catches apply-before-commit", "[sim]")
{
    // Goal: a deliberate bug in the core turns into a named invariant failure.
    RunSettings settings;
    settings.mutations = *mutations_for('f');
    const RunResult result = run_seed(1, settings);
    CHECK_FALSE(result.passed);
    CHECK(result.failure.rfind("apply before commit", 0) == 0);
}

TEST_CASE("cluster serves a linearizable read at the leader only", "[sim]")
{
    // Goal: Raft §8 ReadIndex through the scenario API: a read taken after a
    // write is acknowledged returns a state that includes the write.
    ClusterOptions options;
    options.seed = 13;
    SimCluster cluster(options);
    REQUIRE(cluster.check_one_leader().has_value());
    const raft::NodeId leader = *cluster.leader();
    const auto written = cluster.one(move_command("t", 1), 3);
    REQUIRE(written.ok());
    cluster.checker().on_write_acked(written.value());
    std::optional<ServedRead> answer;
    cluster.set_read_observer([&](raft::NodeId node, const ServedRead& read) {
        CHECK(node == leader);
        answer = read;
    });
    const raft::NodeId follower{leader.value % 3 + 1};
    CHECK_FALSE(cluster.read_index(follower, 1).ok());
    REQUIRE(cluster.read_index(leader, 2).ok());
    REQUIRE(cluster.run_until([&] { return answer.has_value(); }, 20));
    CHECK(answer->request_id == 2);
    CHECK(answer->read_index >= written.value());
    CHECK(answer->applied >= answer->read_index);
    CHECK(answer->lead == escort::Point{1, 0});
    CHECK_FALSE(cluster.failed());
}

TEST_CASE("cluster hands leadership to a transfer target", "[sim]")
{
    // Goal: dissertation §3.10, with and without pre-vote and check-quorum.
    for (const bool protections : {true, false}) {
        ClusterOptions options;
        options.seed = 17;
        options.pre_vote = protections;
        options.check_quorum = protections;
        SimCluster cluster(options);
        REQUIRE(cluster.check_one_leader().has_value());
        const raft::NodeId leader = *cluster.leader();
        const raft::NodeId target{leader.value % 3 + 1};
        REQUIRE(cluster.one(move_command("t", 1), 3).ok());
        REQUIRE(cluster.transfer_leadership(leader, target).ok());
        CHECK(cluster.run_until([&] { return cluster.leader() == target; }, 30));
        REQUIRE(cluster.one(move_command("t", 2), 3).ok());
        CHECK_FALSE(cluster.failed());
    }
}

TEST_CASE("cluster with mixed pre-vote and check-quorum stays safe and live", "[sim][protocol]")
{
    // Goal: safety never depends on the protections, so nodes switched to
    // different settings at runtime still agree, and the cluster still
    // elects and commits after a follower and then the leader were cut off.
    ClusterOptions options;
    options.seed = 23;
    options.voter_count = 5;
    SimCluster cluster(options);
    REQUIRE(cluster.check_one_leader().has_value());
    cluster.set_protocol(raft::NodeId{1}, false, false);
    cluster.set_protocol(raft::NodeId{2}, true, false);
    cluster.set_protocol(raft::NodeId{3}, false, true);
    CHECK_FALSE(cluster.node(raft::NodeId{1}).raft().pre_vote());
    CHECK(cluster.node(raft::NodeId{3}).raft().check_quorum());
    std::uint64_t sequence = 0;
    REQUIRE(cluster.one(move_command("t", ++sequence), 5).ok());

    const raft::NodeId leader = *cluster.leader();
    const raft::NodeId follower{leader.value % 5 + 1};
    cluster.disconnect(follower);
    cluster.run_ticks(60);
    REQUIRE(cluster.one(move_command("t", ++sequence), 4).ok());
    cluster.connect(follower);
    REQUIRE(cluster.one(move_command("t", ++sequence), 5).ok());

    // A leader cut off keeps leading where its check-quorum is off, so the
    // others' new leader is looked for among the rest.
    const auto current = cluster.check_one_leader();
    REQUIRE(current.has_value());
    cluster.disconnect(*current);
    const bool replaced = cluster.run_until(
        [&] {
            for (raft::NodeId id : cluster.leaders()) {
                if (id != *current) {
                    return true;
                }
            }
            return false;
        },
        200);
    CHECK(replaced);
    cluster.connect(*current);
    REQUIRE(cluster.one(move_command("t", ++sequence), 5).ok());
    CHECK(cluster.check_one_leader().has_value());
    CHECK_FALSE(cluster.failed());
}
