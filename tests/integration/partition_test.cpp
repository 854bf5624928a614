// Integration: network partitions between real nodes, made with iptables in
// a network namespace the test creates for itself.

#include "integration/local_cluster.hpp"
#include "integration/netns.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <vector>

using namespace raftescort::integration;

namespace {

std::vector<std::string> hosts_of(LocalCluster& cluster, const IdSet& ids)
{
    std::vector<std::string> hosts;
    for (auto id : ids) {
        hosts.push_back(cluster.host_of(id));
    }
    return hosts;
}

IdSet without(IdSet ids, const IdSet& removed)
{
    for (auto id : removed) {
        ids.erase(id);
    }
    return ids;
}

/// Sends a move to one node from its own thread and client (the node may
/// hold the request until it gives up, and httplib clients are not
/// thread-safe).
std::future<HttpReply> send_move_async(LocalCluster& cluster, std::uint64_t id, MoveRequest request)
{
    return std::async(std::launch::async,
                      [host = cluster.host_of(id), port = cluster.port_of(id), request] {
                          NodeClient client(host, port);
                          return client.move(request);
                      });
}

/// Commits `count` moves through the leader among `side`; each must succeed.
std::vector<HttpReply> commit_moves(LocalCluster& cluster, const IdSet& side,
                                    const std::string& client_id, std::uint64_t count)
{
    std::vector<HttpReply> replies;
    for (std::uint64_t sequence = 1; sequence <= count; ++sequence) {
        HttpReply reply =
            cluster.propose_move({1, 0, client_id, sequence}, Milliseconds(5000), side);
        INFO(client_id << " move " << sequence << ": " << reply.describe());
        REQUIRE(reply.status == 200);
        replies.push_back(reply);
    }
    return replies;
}

/// The minority side commits nothing while cut off: no node's commit index
/// passes what it had when the partition began.
void check_minority_commits_nothing(LocalCluster& cluster,
                                    const std::map<std::uint64_t, std::uint64_t>& commit_at_cut)
{
    for (const auto& [id, commit_index] : commit_at_cut) {
        auto status = cluster.status(id);
        REQUIRE(status);
        INFO("cut-off " << status->summary() << "; commit index at the cut " << commit_index);
        CHECK(status->commit_index <= commit_index);
    }
}

/// After healing: everyone converges, and every move acknowledged during the
/// partition is in the log exactly where its answer said.
void check_heals(LocalCluster& cluster, const IdSet& all, const std::string& client_id,
                 const std::vector<HttpReply>& acknowledged)
{
    cluster.wait_for_leader(Milliseconds(5000));
    cluster.wait_converged(all, Milliseconds(10000));
    ConvoyMirror mirror = cluster.replay_log_of_any_node();
    for (std::size_t i = 0; i < acknowledged.size(); ++i) {
        INFO(client_id << " move " << i + 1);
        auto index = mirror.index_of_request(client_id, i + 1);
        REQUIRE(index);
        CHECK(*index == acknowledged[i].json.at("index").get<std::uint64_t>());
    }
}

} // namespace

TEST_CASE("partitions_in_network_namespace", "[integration][partition]")
{
    // Goal: under partitions only a majority elects and commits, a cut-off
    // leader never acknowledges a move, and the cluster converges when the
    // network heals (the convergence and availability properties; Jepsen's
    // "primaries" and majority/minority partitions, and the asymmetric leader
    // cut).
    // Method: the test process enters a network namespace of its own (ctest
    // runs each test case in its own process) and runs Redis and 5 nodes in
    // it; each node has its own 127.0.0.(10+i) address, so an iptables DROP
    // rule cuts exactly one direction of one link. Each section builds a
    // fresh cluster (Catch2 re-runs the test case per section).
    if (enter_private_network_namespace() == NamespaceEntry::not_permitted) {
        WARN("skipped: partitions need a network namespace (unshare(CLONE_NEWNET) was refused "
             "with EPERM); not run: leader isolated, 2|3 split with the leader in the minority, "
             "asymmetric cut of the leader's inbound links");
        return;
    }
    Firewall firewall;
    ClusterOptions options;
    options.name = "partition";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);

    SECTION("leader isolated")
    {
        // The old leader, alone, may accept the move but can never commit it;
        // the four others elect a leader and commit.
        NodeStatus old_leader = cluster.wait_for_leader();
        const IdSet majority = without(all, {old_leader.id});
        firewall.split({cluster.host_of(old_leader.id)}, hosts_of(cluster, majority));
        auto cut_off = cluster.status(old_leader.id);
        REQUIRE(cut_off);
        const std::map<std::uint64_t, std::uint64_t> commit_at_cut = {
            {old_leader.id, cut_off->commit_index}};
        auto zombie = send_move_async(cluster, old_leader.id, {1, 0, "isolated", 1});

        cluster.wait_for_leader(
            "majority, term after " + std::to_string(old_leader.term), Milliseconds(5000),
            [&](const NodeStatus& status) { return status.term > old_leader.term; }, majority);
        auto acknowledged = commit_moves(cluster, majority, "majority", 5);
        check_minority_commits_nothing(cluster, commit_at_cut);
        HttpReply zombie_answer = zombie.get();
        WARN("the cut-off leader answered a move with " << zombie_answer.describe());
        INFO("move sent to the isolated leader: " << zombie_answer.describe());
        CHECK(zombie_answer.status != 200);
        check_minority_commits_nothing(cluster, commit_at_cut);

        firewall.heal();
        check_heals(cluster, all, "majority", acknowledged);
    }

    SECTION("2|3 split with the leader in the minority")
    {
        NodeStatus old_leader = cluster.wait_for_leader();
        const std::uint64_t companion = old_leader.id == 1 ? 2 : 1;
        const IdSet minority = {old_leader.id, companion};
        const IdSet majority = without(all, minority);
        firewall.split(hosts_of(cluster, minority), hosts_of(cluster, majority));
        std::map<std::uint64_t, std::uint64_t> commit_at_cut;
        std::uint64_t minority_commit = 0;
        for (auto id : minority) {
            auto status = cluster.status(id);
            REQUIRE(status);
            minority_commit = std::max(minority_commit, status->commit_index);
        }
        // The companion may still learn the leader's commit index, nothing more.
        for (auto id : minority) {
            commit_at_cut[id] = minority_commit;
        }
        auto zombie = send_move_async(cluster, old_leader.id, {1, 0, "minority", 1});

        cluster.wait_for_leader(
            "majority of 3, term after " + std::to_string(old_leader.term), Milliseconds(5000),
            [&](const NodeStatus& status) { return status.term > old_leader.term; }, majority);
        auto acknowledged = commit_moves(cluster, majority, "majority", 5);
        check_minority_commits_nothing(cluster, commit_at_cut);
        HttpReply zombie_answer = zombie.get();
        WARN("the cut-off leader answered a move with " << zombie_answer.describe());
        INFO("move sent to the leader in the minority: " << zombie_answer.describe());
        CHECK(zombie_answer.status != 200);
        check_minority_commits_nothing(cluster, commit_at_cut);

        firewall.heal();
        check_heals(cluster, all, "majority", acknowledged);
    }

    SECTION("asymmetric: the leader can send to its followers but not receive from them")
    {
        // Only packets from followers to the leader are dropped. Over TCP the
        // leader's connections still carry its requests for a while, but no
        // answer or acknowledgement comes back: the leader cannot commit, and
        // the followers must keep the cluster committing by replacing it.
        REQUIRE(cluster.propose_mission({{"action", "set"}, {"x", 100000}, {"y", 0}}).status
                == 200);
        REQUIRE(cluster.propose_mission({{"action", "start"}}).status == 200);
        NodeStatus old_leader = cluster.wait_for_leader();
        const IdSet followers = without(all, {old_leader.id});
        std::uint64_t commit_at_cut = 0;
        for (const auto& [id, status] : cluster.statuses(followers)) {
            commit_at_cut = std::max(commit_at_cut, status.commit_index);
        }
        for (auto id : followers) {
            firewall.drop(cluster.host_of(id), cluster.host_of(old_leader.id));
        }
        const auto cut_at = Clock::now();

        // Commits go on: the followers' commit index moves 10 entries past
        // where it was (steps of the convoy, proposed by whoever leads).
        std::map<std::uint64_t, NodeStatus> last;
        bool committing = poll_until(Milliseconds(10000), [&] {
            last = cluster.statuses(followers);
            for (const auto& [id, status] : last) {
                if (status.commit_index >= commit_at_cut + 10) {
                    return true;
                }
            }
            return false;
        });
        const std::int64_t resumed_ms = milliseconds_since(cut_at);
        INFO("followers:\n" << LocalCluster::summaries(last));
        REQUIRE(committing);
        WARN("asymmetric cut of leader " << old_leader.id << ": the followers committed 10 "
                                         << "more entries " << resumed_ms << " ms after the cut");
        CHECK(resumed_ms <= 5000);
        HttpReply move = cluster.propose_move({0, 1, "asymmetric", 1}, Milliseconds(10000));
        INFO("move during the asymmetric cut: " << move.describe());
        REQUIRE(move.status == 200);

        firewall.heal();
        HttpReply paused = cluster.propose_mission({{"action", "pause"}});
        INFO("POST /mission pause: " << paused.describe());
        REQUIRE(paused.status == 200);
        check_heals(cluster, all, "asymmetric", {move});
    }
    cluster.check_invariants();
}
