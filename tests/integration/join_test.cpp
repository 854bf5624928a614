// Integration: a sixth node joins a running five-node cluster through Redis,
// first as a learner, then as a voter with a place in the formation.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <utility>

using namespace raftescort::integration;

namespace {

bool contains(const std::vector<std::uint64_t>& ids, std::uint64_t id)
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

/// The index of the first membership entry whose command starts with
/// `prefix` ("add_learner 6 " or "promote_voter 6"), 0 if there is none.
std::uint64_t membership_entry(const std::vector<LogEntry>& entries, const std::string& prefix)
{
    for (const auto& entry : entries) {
        if (entry.type == "conf_change" && entry.command.rfind(prefix, 0) == 0) {
            return entry.index;
        }
    }
    return 0;
}

} // namespace

TEST_CASE("sixth_node_joins", "[integration][membership]")
{
    // Goal: membership grows safely while the cluster runs: node 6 finds the
    // leader through Redis, is added as a learner (it never counts in a quorum
    // before it has the log), is promoted to voter once caught up, gets a
    // formation slot, and ends in the same state as everyone else.
    // Method: bootstrap 5 nodes and commit a few moves so there is a log to
    // catch up on; start node 6 and poll the leader's and node 6's /status
    // every 5 ms until the leader lists 6 as a voter, noting whether it was
    // seen as a learner first. A fast promotion can fall between two polls,
    // so the order is asserted on the log instead: "add_learner 6 <address>"
    // must come before "promote_voter 6" (the conf_change command text
    // GET /logs shows).
    ClusterOptions options;
    options.name = "join";
    // As a deployment would run: node-to-node calls, joining included, carry
    // the shared token.
    options.cluster_token = "join-test-token";
    LocalCluster cluster(options);
    cluster.bootstrap(5);
    for (std::uint64_t sequence = 1; sequence <= 5; ++sequence) {
        HttpReply reply = cluster.propose_move({0, -1, "before-join", sequence});
        INFO("move " << sequence << ": " << reply.describe());
        REQUIRE(reply.status == 200);
    }
    cluster.wait_converged({1, 2, 3, 4, 5}, Milliseconds(10000));

    cluster.start_node(6);
    bool seen_as_learner = false;
    std::map<std::uint64_t, NodeStatus> last;
    bool promoted = poll_until(
        Milliseconds(30000),
        [&] {
            last = cluster.statuses();
            for (const auto& [id, status] : last) {
                if (id == 6 && status.role == "learner") {
                    seen_as_learner = true;
                }
                if (!status.is_serving_leader()) {
                    continue;
                }
                if (contains(status.learners, 6)) {
                    seen_as_learner = true;
                }
                if (contains(status.voters, 6)) {
                    return status.learners.empty();
                }
            }
            return false;
        },
        Milliseconds(5));
    INFO("last statuses:\n" << LocalCluster::summaries(last));
    REQUIRE(promoted);
    WARN("node 6 was " << (seen_as_learner ? "" : "not ")
                       << "seen as a learner between two 5 ms polls before its promotion");

    const IdSet six = {1, 2, 3, 4, 5, 6};
    cluster.wait_for_members(six, {}, Milliseconds(10000));
    NodeStatus converged = cluster.wait_converged(six, Milliseconds(10000));
    CHECK(converged.lead == Point{0, -5});

    auto entries = cluster.fetch_log(converged.id, 1, converged.applied_index);
    // The log shows the order, which a fast promotion can hide from polls:
    // node 6 entered as a learner and was promoted later.
    const std::uint64_t added_at = membership_entry(entries, "add_learner 6 ");
    const std::uint64_t promoted_at = membership_entry(entries, "promote_voter 6");
    INFO("add_learner 6 at index " << added_at << ", promote_voter 6 at index " << promoted_at);
    CHECK(added_at > 0);
    CHECK(promoted_at > added_at);

    // Node 6 is in the roster: it has a position of its own, and the leader
    // replicates to it as a voter.
    auto statuses = cluster.statuses(six);
    REQUIRE(statuses.size() == 6);
    std::set<std::pair<std::int64_t, std::int64_t>> positions;
    for (const auto& [id, status] : statuses) {
        INFO(status.summary());
        REQUIRE(status.position);
        positions.insert({status.position->x, status.position->y});
    }
    CHECK(positions.size() == 6);
    CHECK(statuses.at(6).role != "learner");
    NodeStatus leader = cluster.wait_for_leader();
    bool replicated_as_voter = false;
    for (const auto& peer : leader.peers) {
        if (peer.id == 6) {
            replicated_as_voter = !peer.learner && peer.name == cluster.address_of(6);
        }
    }
    CHECK(replicated_as_voter);

    // And Redis lists it where the proxy will look for it.
    bool registered = poll_until(Milliseconds(10000), [&] {
        auto listing = cluster.registry().list_nodes(monotonic_ms());
        if (!listing.ok()) {
            return false;
        }
        for (const auto& node : listing.value().live) {
            if (node.id.value == 6 && node.address == cluster.address_of(6)) {
                return true;
            }
        }
        return false;
    });
    CHECK(registered);
    cluster.replay_log_of_any_node();
    cluster.check_invariants();
}
