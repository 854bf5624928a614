// Integration: Raft's pre-vote and check-quorum switched at runtime through
// POST /timing (a replicated `timing` command) on five real processes. With
// both on, a follower cut off for a while comes back without having raised
// its term, and the leader keeps leading; with both off, the same follower
// inflates its term while cut off and deposes the leader when it returns.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// How long the follower is cut off: several election timeouts.
constexpr Milliseconds k_isolation{2000};

json timing_of(LocalCluster& cluster, std::uint64_t id)
{
    HttpReply reply = cluster.client(id).get("/status");
    REQUIRE(reply.status == 200);
    return reply.json.at("timing");
}

/// Waits until every node in `ids` reports these switches in force.
void wait_for_switches(LocalCluster& cluster, const IdSet& ids, bool pre_vote, bool check_quorum)
{
    bool switched = poll_until(Milliseconds(5000), [&] {
        for (std::uint64_t id : ids) {
            json timing = timing_of(cluster, id);
            if (timing.at("pre_vote") != pre_vote || timing.at("check_quorum") != check_quorum) {
                return false;
            }
        }
        return true;
    });
    INFO("pre_vote " << pre_vote << ", check_quorum " << check_quorum);
    REQUIRE(switched);
}

HttpReply post_timing(LocalCluster& cluster, std::uint64_t leader, const json& body)
{
    HttpReply reply = cluster.client(leader).post("/timing", body);
    INFO("POST /timing " << body.dump() << ": " << reply.describe());
    REQUIRE(reply.status == 200);
    return reply;
}

struct Isolation {
    std::uint64_t term_before = 0;
    /// The follower's highest term seen while it was cut off.
    std::uint64_t term_isolated_max = 0;
};

/// Cuts `follower` off for k_isolation (the fault heals itself) and watches
/// its term meanwhile; returns once the fault is gone.
Isolation isolate_follower(LocalCluster& cluster, std::uint64_t follower)
{
    Isolation isolation;
    std::optional<NodeStatus> before = cluster.status(follower);
    REQUIRE(before);
    isolation.term_before = before->term;
    isolation.term_isolated_max = before->term;
    HttpReply put = cluster.client(follower).post(
        "/chaos", json{{"kind", "isolate"}, {"for_ms", k_isolation.count()}});
    INFO("isolate node " << follower << ": " << put.describe());
    REQUIRE(put.status == 200);
    const auto until = Clock::now() + k_isolation;
    while (Clock::now() < until) {
        if (std::optional<NodeStatus> status = cluster.status(follower)) {
            isolation.term_isolated_max = std::max(isolation.term_isolated_max, status->term);
        }
        std::this_thread::sleep_for(Milliseconds(50));
    }
    bool healed = poll_until(Milliseconds(2000), [&] {
        HttpReply faults = cluster.client(follower).get("/chaos");
        return faults.status == 200 && faults.json.at("faults").empty();
    });
    REQUIRE(healed);
    return isolation;
}

} // namespace

TEST_CASE("pre-vote and check-quorum switched at runtime keep or let a cut-off follower disrupt",
          "[integration][timing][protocol]")
{
    // Goal: the lesson's two halves on a real cluster. Method: with both
    // switches on, isolate a follower for 2 s, heal, and check that neither
    // its term nor the leader changed; switch both off through POST /timing,
    // repeat, and check that its term rose by several and the cluster's term
    // jumped past it after the heal; then reset everything.
    ClusterOptions options;
    options.name = "protocol";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    NodeStatus leader = cluster.wait_for_leader();

    // Bad switches are refused with the field's name; nothing is proposed.
    for (const json& bad : {json{{"pre_vote", "off"}}, json{{"check_quorum", 1}},
                            json{{"pre_vote", nullptr}}}) {
        HttpReply refused = cluster.client(leader.id).post("/timing", bad);
        INFO(bad.dump() << ": " << refused.describe());
        CHECK(refused.status == 400);
        CHECK(refused.body.find(bad.begin().key()) != std::string::npos);
    }
    HttpReply empty = cluster.client(leader.id).post("/timing", json::object());
    CHECK(empty.status == 400);

    // On (the nodes' own settings, said explicitly as a lesson would).
    HttpReply on =
        post_timing(cluster, leader.id, json{{"pre_vote", true}, {"check_quorum", true}});
    CHECK(on.json.at("timing").at("pre_vote") == "on");
    CHECK(on.json.at("timing").at("heartbeat_ms") == 0);
    wait_for_switches(cluster, all, true, true);
    cluster.wait_converged(all, Milliseconds(10000));
    leader = cluster.wait_for_leader();
    const std::uint64_t follower = leader.id == 5 ? 4 : 5;
    Isolation quiet = isolate_follower(cluster, follower);
    WARN("with pre-vote and check-quorum on, node " << follower << " went from term "
                                                    << quiet.term_before << " to at most "
                                                    << quiet.term_isolated_max << " while cut off");
    CHECK(quiet.term_isolated_max == quiet.term_before);
    cluster.wait_converged(all, Milliseconds(10000));
    NodeStatus after_quiet = cluster.wait_for_leader();
    CHECK(after_quiet.id == leader.id);
    CHECK(after_quiet.term == leader.term);

    // Off: only the switches are given, so the durations in force stay.
    HttpReply off =
        post_timing(cluster, leader.id, json{{"pre_vote", false}, {"check_quorum", false}});
    CHECK(off.json.at("timing").at("check_quorum") == "off");
    wait_for_switches(cluster, all, false, false);
    CHECK(timing_of(cluster, follower).at("heartbeat_ms") == options.heartbeat.count());
    cluster.wait_converged(all, Milliseconds(10000));
    leader = cluster.wait_for_leader();
    Isolation loud = isolate_follower(cluster, follower);
    WARN("with pre-vote and check-quorum off, node " << follower << " went from term "
                                                     << loud.term_before << " to "
                                                     << loud.term_isolated_max
                                                     << " while cut off");
    CHECK(loud.term_isolated_max >= loud.term_before + 2);
    NodeStatus after_loud = cluster.wait_for_leader(
        "a term past the cut-off follower's", Milliseconds(10000),
        [&](const NodeStatus& status) { return status.term >= loud.term_isolated_max; });
    WARN("after the heal, node " << after_loud.id << " leads in term " << after_loud.term
                                 << " (the leader before was node " << leader.id << " in term "
                                 << leader.term << ")");
    CHECK(after_loud.term > leader.term);

    // A timing without switches keeps the switches in force.
    post_timing(cluster, after_loud.id, json{{"heartbeat_ms", 60}, {"election_timeout_ms", 400}});
    bool slowed = poll_until(Milliseconds(5000), [&] {
        for (std::uint64_t id : all) {
            if (timing_of(cluster, id).at("heartbeat_ms") != 60) {
                return false;
            }
        }
        return true;
    });
    CHECK(slowed);
    wait_for_switches(cluster, all, false, false);

    // Reset: every node's own timing and switches again.
    NodeStatus current = cluster.wait_for_leader();
    HttpReply reset = post_timing(cluster, current.id, json{{"reset", true}});
    CHECK(reset.json.at("timing").at("pre_vote") == "own");
    wait_for_switches(cluster, all, true, true);
    CHECK(timing_of(cluster, follower).at("heartbeat_ms") == options.heartbeat.count());
    cluster.wait_converged(all, Milliseconds(10000));
    cluster.check_invariants();
}
