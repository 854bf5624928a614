#include "runtime/replica_cluster.hpp"

#include "store/disk_storage_inspector.hpp"

#include <raftescort/runtime/replica.hpp>
#include <raftescort/store/disk_storage.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace runtime_test;
namespace store = raftescort::store;
namespace util = raftescort::util;

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// Moves (dx = 1) with client sequences first..first+count-1, in batches.
void propose_moves(ReplicaCluster& cluster, std::uint64_t first, std::uint64_t count,
                   std::uint64_t batch)
{
    std::vector<escort::Command> commands;
    for (std::uint64_t sequence = first; sequence < first + count; ++sequence) {
        commands.push_back(move_command(1, 0, sequence));
        if (commands.size() == batch) {
            cluster.propose_batch(commands);
            commands.clear();
        }
    }
    if (!commands.empty()) {
        cluster.propose_batch(commands);
    }
}

/// A mission to [100,0], client moves and autopilot steps, as the node loop would propose.
void run_convoy(ReplicaCluster& cluster)
{
    const raft::NodeId leader = cluster.wait_for_leader();
    cluster.propose(mission_command(escort::Point{100, 0}));
    for (std::uint64_t sequence = 1; sequence <= 5; ++sequence) {
        cluster.propose(move_command(0, 1, sequence));
    }
    for (int step = 0; step < 5; ++step) {
        cluster.propose(step_command(cluster.at(leader).escort().lead_point()));
    }
    cluster.wait_for_convergence();
}

/// Every node holds the same escort state; returns that state's hash.
std::uint64_t require_equal_state(ReplicaCluster& cluster)
{
    const std::vector<raft::NodeId> ids = cluster.ids();
    REQUIRE_FALSE(ids.empty());
    const escort::Escort& first = cluster.at(ids.front()).escort();
    for (const raft::NodeId id : ids) {
        INFO("node " << id.value);
        REQUIRE(cluster.at(id).escort().last_applied_index() == first.last_applied_index());
        REQUIRE(cluster.at(id).escort().state_hash() == first.state_hash());
        REQUIRE(cluster.at(id).escort() == first);
    }
    return first.state_hash();
}

} // namespace

TEST_CASE("replicas on disk elect a leader and apply the same escort commands", "[runtime]")
{
    // Goal: three Replicas on real disk, wired by the in-test bus, elect one
    // leader and apply the same committed entries to equal escort state.
    ReplicaCluster cluster(3, 0);
    run_convoy(cluster);
    const raft::NodeId leader = cluster.wait_for_leader();
    require_equal_state(cluster);
    for (const raft::NodeId id : cluster.ids()) {
        INFO("node " << id.value);
        REQUIRE(cluster.applied(id) == cluster.applied(leader));
    }
    const escort::Escort& state = cluster.at(leader).escort();
    // 3 bootstrap members + the leader's no-op + 11 commands.
    REQUIRE(state.last_applied_index() == raft::Index{15});
    REQUIRE(state.roster().size() == 3);
    REQUIRE(state.lead_unit() == leader);
    REQUIRE(state.mission().running);
    REQUIRE(state.mission().target == escort::Point{100, 0});
    REQUIRE(state.mission().steps_taken == 5);
    REQUIRE(state.lead_point() == escort::Point{5, 5});
    REQUIRE(cluster.at(leader).snapshots_taken() == 0);
}

TEST_CASE("replicas restart from disk with the same escort state", "[runtime]")
{
    // Goal: destroying all three Replicas and reopening them from the same
    // directories recovers the same escort state and commit index, and the
    // cluster then elects a leader and commits again.
    ReplicaCluster cluster(3, 0);
    run_convoy(cluster);
    const std::uint64_t hash_before = require_equal_state(cluster);
    std::map<raft::NodeId, raft::Index> commit_before;
    for (const raft::NodeId id : cluster.ids()) {
        commit_before[id] = cluster.at(id).raft().commit_index();
    }

    cluster.close_all();
    for (const auto& [id, commit] : commit_before) {
        cluster.open(id);
        INFO("node " << id.value);
        REQUIRE(cluster.at(id).raft().commit_index() == commit);
        REQUIRE(cluster.at(id).escort().state_hash() == hash_before);
        REQUIRE_FALSE(cluster.at(id).storage_report().snapshot_loaded);
    }

    cluster.propose(move_command(0, -1, 6));
    cluster.wait_for_convergence();
    require_equal_state(cluster);
    const raft::NodeId leader = cluster.wait_for_leader();
    REQUIRE(cluster.at(leader).raft().commit_index() > commit_before.at(leader));
    REQUIRE(cluster.at(leader).escort().lead_point() == escort::Point{5, 4});
}

TEST_CASE("replica snapshot policy keeps the WAL bounded", "[runtime]")
{
    // Goal: with a snapshot every 10 entries and 4 KiB segments, ~1,000
    // committed entries leave only a few segments on disk, far less than the
    // same workload writes without compaction; a restart recovers from
    // snapshot + tail to the same state.
    constexpr std::uint64_t k_segment_bytes = 4 * 1024;
    constexpr std::uint64_t k_moves = 1000;
    constexpr std::uint64_t k_batch = 20;
    // Each compaction deletes every segment it wholly covers except the
    // current one, and runs after every Ready, so at most one batch plus 9
    // entries (< 2 KiB) stays uncovered. What remains is the current segment
    // and at most the one before it, each up to a segment plus the record
    // that crossed the limit: 3 segments' worth is a safe bound.
    constexpr std::uint64_t k_wal_bytes_bound = 3 * k_segment_bytes;

    // Without compaction: one founder running the same workload.
    std::uint64_t uncompacted_wal_bytes = 0;
    {
        ReplicaCluster control(1, 0, k_segment_bytes);
        control.wait_for_leader();
        propose_moves(control, 1, k_moves, k_batch);
        uncompacted_wal_bytes = control.at(1).wal_bytes();
    }

    ReplicaCluster cluster(3, 10, k_segment_bytes);
    cluster.wait_for_leader();
    propose_moves(cluster, 1, k_moves, k_batch);
    cluster.wait_for_convergence();
    const std::uint64_t hash_before = require_equal_state(cluster);
    REQUIRE(cluster.at(1).escort().lead_point() == escort::Point{1000, 0});
    for (const raft::NodeId id : cluster.ids()) {
        INFO("node " << id.value << " wal_bytes " << cluster.at(id).wal_bytes() << " snapshots "
                     << cluster.at(id).snapshots_taken() << " uncompacted "
                     << uncompacted_wal_bytes);
        REQUIRE(cluster.at(id).snapshots_taken() > 0);
        REQUIRE(cluster.at(id).wal_bytes() <= k_wal_bytes_bound);
        REQUIRE(cluster.at(id).wal_bytes() * 10 < uncompacted_wal_bytes);
    }

    cluster.close_all();
    for (const raft::NodeId id : {raft::NodeId{1}, raft::NodeId{2}, raft::NodeId{3}}) {
        cluster.open(id);
        INFO("node " << id.value);
        REQUIRE(cluster.at(id).storage_report().snapshot_loaded);
        REQUIRE(cluster.at(id).escort().state_hash() == hash_before);
    }
    cluster.propose(move_command(0, 1, k_moves + 1));
    cluster.wait_for_convergence();
    require_equal_state(cluster);
}

TEST_CASE("a cut-off replica catches up through InstallSnapshot", "[runtime]")
{
    // Goal: a follower cut off while the others commit past several
    // snapshots receives the leader's snapshot, ends with equal state, and
    // finds that snapshot in its storage after a restart.
    ReplicaCluster cluster(3, 10);
    const raft::NodeId leader = cluster.wait_for_leader();
    cluster.propose(mission_command(escort::Point{100, 0}));
    cluster.wait_for_convergence();
    const raft::NodeId lagging = leader == raft::NodeId{3} ? raft::NodeId{2} : raft::NodeId{3};
    // Fewer than 10 entries so far: the lagging node has no snapshot of its own.
    REQUIRE(cluster.at(lagging).escort().last_applied_index() < raft::Index{10});

    cluster.cut(lagging);
    propose_moves(cluster, 1, 60, 5);
    cluster.tick_all(3);
    REQUIRE(cluster.at(leader).snapshots_taken() >= 5);
    REQUIRE(cluster.at(lagging).escort().last_applied_index() < raft::Index{10});

    cluster.heal(lagging);
    cluster.wait_for_convergence(500);
    require_equal_state(cluster);
    const std::optional<raft::SnapshotMetadata> installed = cluster.installed(lagging);
    REQUIRE(installed.has_value());
    REQUIRE(cluster.at(lagging).snapshots_installed() == 1);
    REQUIRE(installed->index <= cluster.at(leader).snapshot_index());
    // The tail after the snapshot is under 10 entries: no compaction of its own
    // replaced the leader's snapshot on disk.
    REQUIRE(cluster.at(lagging).snapshots_taken() == 0);
    const std::uint64_t hash = cluster.at(lagging).escort().state_hash();

    cluster.close(lagging);
    cluster.open(lagging);
    const runtime::Replica& reopened = cluster.at(lagging);
    REQUIRE(reopened.storage_report().snapshot_loaded);
    REQUIRE(reopened.storage().recovered().snapshot.has_value());
    REQUIRE(reopened.storage().recovered().snapshot->metadata == *installed);
    REQUIRE(reopened.escort().state_hash() == hash);
}

TEST_CASE("replica refuses a data directory of another cluster", "[runtime]")
{
    // Goal: open() passes on the storage's refusal of a foreign directory,
    // with the storage's own message.
    TempDir dir;
    raft::ConfState conf;
    conf.voters = {raft::NodeId{1}};
    runtime::ReplicaOptions options = replica_options(dir.path(), 1, conf);
    {
        auto opened = runtime::Replica::open(options);
        REQUIRE(opened.ok());
        REQUIRE(opened.value()->process_ready().ok());
    }
    options.cluster_id = "other-cluster";
    auto refused = runtime::Replica::open(options);
    REQUIRE_FALSE(refused.ok());

    store::StorageOptions storage_options;
    storage_options.directory = dir.path();
    auto direct = store::DiskStorage::open(storage_options,
                                           store::Identity{"other-cluster", raft::NodeId{1}});
    REQUIRE_FALSE(direct.ok());
    INFO(refused.error().message);
    REQUIRE(refused.error().code == direct.error().code);
    REQUIRE(contains(refused.error().message, direct.error().message));
    REQUIRE(contains(refused.error().message, dir.path()));
}

TEST_CASE("replica options are validated before anything is opened", "[runtime]")
{
    // Goal: missing ids and a founder outside its own bootstrap membership are refused.
    TempDir dir;
    raft::ConfState conf;
    conf.voters = {raft::NodeId{1}, raft::NodeId{2}};
    REQUIRE(replica_options(dir.path(), 1, conf).validate().ok());
    REQUIRE(replica_options(dir.path(), 3, {}).validate().ok());

    runtime::ReplicaOptions no_id = replica_options(dir.path(), 0, {});
    REQUIRE_FALSE(no_id.validate().ok());
    runtime::ReplicaOptions no_cluster = replica_options(dir.path(), 1, conf);
    no_cluster.cluster_id.clear();
    REQUIRE_FALSE(no_cluster.validate().ok());
    runtime::ReplicaOptions outsider = replica_options(dir.path(), 3, conf);
    REQUIRE_FALSE(outsider.validate().ok());
    auto refused = runtime::Replica::open(outsider);
    REQUIRE_FALSE(refused.ok());
    REQUIRE(refused.error().code == util::ErrorCode::invalid_argument);
}

TEST_CASE("a storage write failure stops the replica", "[runtime]")
{
    // Goal: when the leader's segment write fails (its descriptor now points
    // at /dev/full), process_ready returns the storage's error, nothing of
    // that Ready reaches the followers, and every later call fails too.
    ReplicaCluster cluster(3, 0);
    run_convoy(cluster);
    const raft::NodeId leader = cluster.wait_for_leader();
    std::map<raft::NodeId, raft::Index> last_before;
    for (const raft::NodeId id : cluster.ids()) {
        last_before[id] = cluster.at(id).raft().last_index();
    }

    runtime::Replica& replica = cluster.at(leader);
    const std::string segment =
        store::DiskStorageInspector::current_segment_path(replica.storage());
    const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    REQUIRE(full >= 0);
    REQUIRE(::dup2(full, store::DiskStorageInspector::current_segment_fd(replica.storage())) >= 0);
    ::close(full);

    REQUIRE(replica.raft().propose(escort::encode_command(move_command(1, 1, 6))).ok());
    auto failed = replica.process_ready();
    REQUIRE_FALSE(failed.ok());
    INFO(failed.error().message);
    REQUIRE(failed.error().code == util::ErrorCode::io_error);
    REQUIRE(contains(failed.error().message, "No space left on device"));
    REQUIRE(contains(failed.error().message, segment));
    REQUIRE(replica.failed());
    // The escort did not move: nothing that was not durable was applied.
    REQUIRE(replica.escort().lead_point() == escort::Point{5, 5});

    // The bus had nothing to carry: the followers never saw the entry.
    cluster.settle();
    for (const raft::NodeId id : cluster.ids()) {
        INFO("node " << id.value);
        if (id != leader) {
            REQUIRE(cluster.at(id).raft().last_index() == last_before.at(id));
        }
    }

    replica.raft().tick();
    auto again = replica.process_ready();
    REQUIRE_FALSE(again.ok());
    REQUIRE(contains(again.error().message, "storage failure"));
    REQUIRE(contains(again.error().message, "No space left on device"));
    REQUIRE_FALSE(replica.process_ready().ok());
}
