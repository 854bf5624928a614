// Raft paper, Figure 8, as a hand-written transcript: why a leader must not
// commit an entry of an earlier term by counting replicas (§5.4.2). Run with
// the correct core, the old-term entry is never committed and every node
// applies the same entries; run with the deliberate bug (b), a committed and
// applied entry is later overwritten, and two nodes apply different entries
// at one index. The simulator's checker names that bug directly; this test
// shows its consequence.

#include "raft/raft_harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace raftescort::raft;
using raftescort::raft::testing::Harness;

namespace {

constexpr std::uint64_t k_servers = 5;

NodeId s(std::uint64_t id) { return NodeId{id}; }

/// Connects exactly the given servers to each other; everyone else is cut off.
void only_connect(Harness& cluster, std::initializer_list<std::uint64_t> group)
{
    cluster.heal();
    for (std::uint64_t a = 1; a <= k_servers; ++a) {
        for (std::uint64_t b = 1; b <= k_servers; ++b) {
            bool a_in = std::find(group.begin(), group.end(), a) != group.end();
            bool b_in = std::find(group.begin(), group.end(), b) != group.end();
            if (a != b && !(a_in && b_in)) {
                cluster.cut(s(a), s(b));
            }
        }
    }
}

struct Figure8Outcome {
    Index contested;
    std::set<std::string> applied_at_contested;
};

Figure8Outcome run_figure8(bool commit_old_term_by_count)
{
    Harness cluster(k_servers, [&](Config& config) {
        config.pre_vote = false;
        config.check_quorum = false;
        config.entries_per_message_max = 1;
        config.election_ticks = 1000; // elections happen only when the script says so
        config.heartbeat_ticks = 1;
        config.mutations.commit_old_term_by_count = commit_old_term_by_count;
    });
    cluster.process_readies();

    // (a) S1 leads and replicates its entry at the contested index to S2 only.
    cluster.node(1).campaign();
    cluster.stabilize();
    REQUIRE(cluster.node(1).role() == Role::leader);
    only_connect(cluster, {1, 2});
    auto first = cluster.node(1).propose("move 1 0 c=a s=1");
    REQUIRE(first.ok());
    Index contested = first.value().index;
    cluster.stabilize();
    REQUIRE(cluster.node(2).last_index() == contested);

    // (b) S1 is cut off; S5 wins with S3 and S4 and appends its no-op at the
    // contested index, but reaches nobody with it.
    only_connect(cluster, {3, 4, 5});
    cluster.node(5).campaign();
    cluster.set_filter([](const Message& message) {
        return !(message.from == NodeId{5} && message.type == MessageType::append);
    });
    cluster.stabilize();
    REQUIRE(cluster.node(5).role() == Role::leader);
    REQUIRE(cluster.node(5).term_at(contested) == cluster.node(5).term());
    cluster.set_filter({});

    // (c) S5 crashes; S1 restarts and, on its second try (S3 voted for S5 in
    // the first term it tries), wins with S2 and S3. S2 gets all of S1's log;
    // S3 gets the old-term entry but neither S1's no-op nor any commit index
    // covering it, so that nothing S3 applies can be overwritten later.
    only_connect(cluster, {1, 2, 3});
    cluster.crash(s(5));
    cluster.crash(s(1));
    cluster.start(s(1));
    cluster.process_readies();
    Index noop_of_s1 = next(cluster.node(1).last_index());
    cluster.set_filter([&](const Message& message) {
        if (message.from != s(1) || message.to != s(3)) {
            return true;
        }
        // While S3 lacks the contested entry it refuses S1's no-op anyway, and
        // its refusal is what makes S1 send the contested entry.
        bool s3_has_contested = cluster.node(3).last_index() >= contested;
        for (const Entry& entry : message.entries) {
            if (entry.index >= noop_of_s1 && s3_has_contested) {
                return false;
            }
        }
        return message.commit < contested;
    });
    cluster.node(1).campaign();
    cluster.stabilize();
    cluster.node(1).campaign();
    cluster.stabilize();
    cluster.tick_all(3);
    REQUIRE(cluster.node(1).role() == Role::leader);
    REQUIRE(cluster.node(2).last_index() == noop_of_s1);
    REQUIRE(cluster.node(3).last_index() == contested);
    REQUIRE(cluster.node(3).term_at(contested) == cluster.node(1).term_at(contested));
    // The old-term entry is on a majority (S1, S2, S3); only the bug commits it.
    bool s1_committed_old_entry = cluster.node(1).commit_index() >= contested;
    REQUIRE(s1_committed_old_entry == commit_old_term_by_count);
    cluster.set_filter({});

    // (d) S1 crashes and S2 is cut off; S5 restarts and, its last entry being
    // of a newer term than S3's and S4's, wins with them on its second try
    // and overwrites the contested index.
    only_connect(cluster, {3, 4, 5});
    cluster.crash(s(1));
    cluster.start(s(5));
    cluster.process_readies();
    cluster.node(5).campaign();
    cluster.stabilize();
    cluster.node(5).campaign();
    cluster.stabilize();
    REQUIRE(cluster.node(5).role() == Role::leader);
    cluster.tick_all(3);
    REQUIRE(cluster.node(3).commit_index() >= contested);

    Figure8Outcome outcome;
    outcome.contested = contested;
    for (std::uint64_t id = 1; id <= k_servers; ++id) {
        for (const Entry& entry : cluster.applied(id)) {
            if (entry.index == contested) {
                outcome.applied_at_contested.insert(std::to_string(entry.term.value) + ":"
                                                    + entry.data);
            }
        }
    }
    return outcome;
}

} // namespace

TEST_CASE("Figure 8: the old-term entry is never committed by counting", "[raft][5.4.2]")
{
    // Goal: with the correct rule, all nodes that applied the contested index
    // applied the same entry.
    Figure8Outcome outcome = run_figure8(false);
    REQUIRE(outcome.applied_at_contested.size() == 1);
}

TEST_CASE("Figure 8: committing an old-term entry by counting loses it", "[raft][5.4.2][mutant]")
{
    // Goal: the deliberate bug (b) reproduces the paper's anomaly: S1 applies
    // the entry it committed, then S5 overwrites it and others apply S5's.
    Figure8Outcome outcome = run_figure8(true);
    REQUIRE(outcome.applied_at_contested.size() == 2);
}
