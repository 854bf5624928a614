// Integration: Redis records every election with its ballots, the leader of
// every term, and an event stream of role changes and applied moves.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace raftescort::integration;

TEST_CASE("election_records_in_redis", "[integration][records]")
{
    // Goal: what Redis must hold after a real election (man/raftescort.1,
    // REDIS KEYS): the winning candidacy of the new term with outcome "won"
    // and the ballots that elected it (each refused ballot with its reason),
    // the leader record with its votes and voters, and events for the role
    // change and for applied moves.
    // Method: bootstrap 5 nodes, send a move, kill -9 the leader, wait for
    // the next serving leader, then poll the registry until the records of
    // its term are complete.
    ClusterOptions options;
    options.name = "records";
    LocalCluster cluster(options);
    NodeStatus first = cluster.bootstrap(5);
    REQUIRE(cluster.propose_move(MoveRequest::by(1, 0)).status == 200);

    NodeStatus old_leader = cluster.wait_for_leader();
    cluster.kill_node(old_leader.id);
    NodeStatus leader = cluster.wait_for_leader(
        "a new leader after the kill", Milliseconds(10000), [&](const NodeStatus& status) {
            return status.id != old_leader.id && status.term > old_leader.term
                   && status.is_serving_leader();
        });
    (void)first;

    raftescort::registry::ElectionRecord election;
    bool complete = poll_until(
        Milliseconds(10000),
        [&] {
            auto read = cluster.registry().read_election(monotonic_ms(),
                                                         raftescort::raft::Term{leader.term});
            if (!read.ok()) {
                return false;
            }
            election = read.value();
            for (const auto& candidacy : election.candidacies) {
                if (candidacy.candidate.value != leader.id) {
                    continue;
                }
                int granted = 0;
                for (const auto& ballot : candidacy.ballots) {
                    granted += ballot.granted ? 1 : 0;
                }
                // Three of five voters elect; the candidate votes for itself.
                return candidacy.outcome == raftescort::registry::ElectionOutcome::won
                       && granted >= 2;
            }
            return false;
        },
        Milliseconds(50));
    INFO("election of term " << leader.term << " has " << election.candidacies.size()
                             << " candidacies");
    REQUIRE(complete);
    for (const auto& candidacy : election.candidacies) {
        for (const auto& ballot : candidacy.ballots) {
            INFO("candidate " << candidacy.candidate.value << " voter " << ballot.voter.value);
            CHECK(ballot.voter.value != candidacy.candidate.value);
            CHECK(ballot.voter.value != old_leader.id); // it was dead
            if (!ballot.granted) {
                CHECK_FALSE(ballot.refusal.empty());
            }
        }
    }

    auto record = cluster.wait_for_leader_record(leader.term, Milliseconds(10000));
    REQUIRE(record);
    CHECK(record->id.value == leader.id);
    CHECK(record->name == leader.name);
    CHECK(record->votes >= 3);
    CHECK(record->voters == 5);
    CHECK(record->timestamp_ms > 0);

    bool role_change_seen = false;
    bool applied_move_seen = false;
    poll_until(
        Milliseconds(5000),
        [&] {
            auto events = cluster.registry().read_events(monotonic_ms(), 1000);
            if (!events.ok()) {
                return false;
            }
            for (const auto& event : events.value()) {
                if (event.kind == raftescort::registry::EventKind::role_change
                    && event.node.value == leader.id && event.term.value == leader.term
                    && event.detail.find("-> leader") != std::string::npos) {
                    role_change_seen = true;
                }
                if (event.kind == raftescort::registry::EventKind::applied_move
                    && event.detail == "move 1 0") {
                    applied_move_seen = true;
                }
            }
            return role_change_seen && applied_move_seen;
        },
        Milliseconds(50));
    CHECK(role_change_seen);
    CHECK(applied_move_seen);
}
