// Tests of the registry's records against a real redis-server
// (src/registry/redis/redis_registry.cpp, redis_reads.cpp).

#include "registry/redis_server.hpp"

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace raftescort::registry;
using raftescort::raft::Index;
using raftescort::raft::NodeId;
using raftescort::raft::Term;
using raftescort::raft::VoteRefusal;
using raftescort::registry::testing::options_for;
using raftescort::registry::testing::RedisServer;
using raftescort::util::ErrorCode;

namespace {

// Flushes and requires that everything queued was written.
void flush_all(Registry& registry, std::int64_t now_ms)
{
    auto report = registry.flush(now_ms);
    INFO((report.error ? report.error->message : std::string("no error")));
    REQUIRE_FALSE(report.error);
    REQUIRE(registry.outbox_size() == 0);
}

} // namespace

TEST_CASE("registry: nodes register, list, and expire by TTL", "[registry]")
{
    // Goal: registrations are listed with their fields, and one whose short TTL
    // (Redis's own clock, PEXPIRE) runs out moves to `expired` while the other stays.
    RedisServer server;
    Registry registry(options_for(server.url()));
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "leader", Term{4}, 300, 1000});
    registry.register_node({NodeId{2}, "10.0.0.2:7002", "follower", Term{4}, 60000, 1001});
    flush_all(registry, 0);
    CHECK(registry.connected());

    auto listing = registry.list_nodes(0);
    REQUIRE(listing.ok());
    REQUIRE(listing.value().live.size() == 2);
    CHECK(listing.value().expired.empty());
    const auto& first = listing.value().live[0];
    CHECK(first.id == NodeId{1});
    CHECK(first.address == "10.0.0.1:7001");
    CHECK(first.role == "leader");
    CHECK(first.term == Term{4});
    CHECK(first.timestamp_ms == 1000);
    CHECK(first.ttl_ms > 0);
    CHECK(first.ttl_ms <= 300);

    // Bounded wait on Redis's clock: node 1 must expire within 5 s.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool expired = false;
    while (!expired && std::chrono::steady_clock::now() < deadline) {
        listing = registry.list_nodes(0);
        REQUIRE(listing.ok());
        expired = listing.value().expired.size() == 1;
        if (!expired) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    REQUIRE(expired);
    CHECK(listing.value().expired[0] == NodeId{1});
    REQUIRE(listing.value().live.size() == 1);
    CHECK(listing.value().live[0].id == NodeId{2});
    CHECK(listing.value().live[0].role == "follower");

    // A refresh brings the expired node back.
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "follower", Term{5}, 60000, 2000});
    flush_all(registry, 0);
    listing = registry.list_nodes(0);
    REQUIRE(listing.ok());
    CHECK(listing.value().live.size() == 2);
    CHECK(listing.value().expired.empty());
}

TEST_CASE("registry: election records keep each ballot and reason", "[registry]")
{
    // Goal: candidacies, ballots (granted or refused with the reason) and
    // outcomes of a term read back as written, appended as ballots arrive.
    RedisServer server;
    Registry registry(options_for(server.url()));
    registry.record_candidacy(Term{3}, NodeId{1});
    registry.record_ballot({Term{3}, NodeId{1}, NodeId{1}, true, VoteRefusal::none});
    flush_all(registry, 0);
    registry.record_ballot({Term{3}, NodeId{1}, NodeId{2}, true, VoteRefusal::none});
    registry.record_ballot({Term{3}, NodeId{1}, NodeId{3}, false, VoteRefusal::stale_log});
    // A ballot before its candidacy record still creates the candidacy.
    registry.record_ballot({Term{3}, NodeId{2}, NodeId{3}, false, VoteRefusal::already_voted});
    registry.record_outcome(Term{3}, NodeId{1}, ElectionOutcome::won);
    registry.record_outcome(Term{3}, NodeId{2}, ElectionOutcome::superseded);
    registry.record_candidacy(Term{4}, NodeId{2});
    registry.record_outcome(Term{4}, NodeId{2}, ElectionOutcome::split);
    // Replaying a candidacy must not reset its outcome to pending.
    registry.record_candidacy(Term{3}, NodeId{1});
    flush_all(registry, 0);

    auto election = registry.read_election(0, Term{3});
    REQUIRE(election.ok());
    REQUIRE(election.value().candidacies.size() == 2);
    const auto& winner = election.value().candidacies[0];
    CHECK(winner.candidate == NodeId{1});
    CHECK(winner.outcome == ElectionOutcome::won);
    REQUIRE(winner.ballots.size() == 3);
    CHECK(winner.ballots[0].voter == NodeId{1});
    CHECK(winner.ballots[0].granted);
    CHECK(winner.ballots[0].refusal.empty());
    CHECK(winner.ballots[1].granted);
    CHECK(winner.ballots[2].voter == NodeId{3});
    CHECK_FALSE(winner.ballots[2].granted);
    CHECK(winner.ballots[2].refusal == "stale log");
    const auto& loser = election.value().candidacies[1];
    CHECK(loser.candidate == NodeId{2});
    CHECK(loser.outcome == ElectionOutcome::superseded);
    REQUIRE(loser.ballots.size() == 1);
    CHECK(loser.ballots[0].refusal == "already voted");

    auto all = registry.read_elections(0);
    REQUIRE(all.ok());
    REQUIRE(all.value().size() == 2);
    CHECK(all.value()[0].term == Term{3});
    CHECK(all.value()[1].term == Term{4});
    CHECK(all.value()[1].candidacies.at(0).outcome == ElectionOutcome::split);

    auto missing = registry.read_election(0, Term{99});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ErrorCode::not_found);
}

TEST_CASE("registry: the leader of a term is written once", "[registry]")
{
    // Goal: the first leader of a term wins, the same leader again is a no-op,
    // and a different leader for that term comes back as a LeaderConflict.
    RedisServer server;
    Registry registry(options_for(server.url()));
    const LeaderRecord first{NodeId{1}, "10.0.0.1:7001", Term{5}, 3, 5, 111};
    registry.record_leader(first);
    registry.record_leader({NodeId{2}, "10.0.0.2:7002", Term{6}, 2, 3, 222});
    auto report = registry.flush(0);
    REQUIRE_FALSE(report.error);
    CHECK(report.records_written == 2);
    CHECK(report.leader_conflicts.empty());

    // The same leader again (a retry, a replay after reset) changes nothing,
    // not even its timestamp.
    LeaderRecord again = first;
    again.timestamp_ms = 999;
    registry.record_leader(again);
    report = registry.flush(0);
    REQUIRE_FALSE(report.error);
    CHECK(report.leader_conflicts.empty());
    CHECK(registry.counters().leader_conflicts == 0);

    registry.record_leader({NodeId{3}, "10.0.0.3:7003", Term{5}, 3, 5, 333});
    report = registry.flush(0);
    REQUIRE_FALSE(report.error);
    REQUIRE(report.leader_conflicts.size() == 1);
    CHECK(report.leader_conflicts[0].term == Term{5});
    CHECK(report.leader_conflicts[0].recorded == NodeId{1});
    CHECK(report.leader_conflicts[0].attempted == NodeId{3});
    CHECK(registry.counters().leader_conflicts == 1);
    CHECK(registry.outbox_size() == 0);

    auto leader = registry.read_leader(0, Term{5});
    REQUIRE(leader.ok());
    CHECK(leader.value() == first);
    auto leaders = registry.read_leaders(0);
    REQUIRE(leaders.ok());
    REQUIRE(leaders.value().size() == 2);
    CHECK(leaders.value()[0].term == Term{5});
    CHECK(leaders.value()[1].id == NodeId{2});
    CHECK(leaders.value()[1].name == "10.0.0.2:7002");
    auto missing = registry.read_leader(0, Term{7});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ErrorCode::not_found);
}

TEST_CASE("registry: the event stream keeps its fields and is capped", "[registry]")
{
    // Goal: events read back oldest first with every field, and XADD MAXLEN ~
    // keeps the stream near its cap (approximate: Redis trims whole nodes of
    // 100 entries, so the bound checked is cap + 100).
    RedisServer server;
    auto options = options_for(server.url());
    options.events_length_max = 50;
    Registry registry(options);
    constexpr int k_events = 400;
    for (int i = 0; i < k_events; ++i) {
        registry.record_event({EventKind::applied_move, NodeId{2}, Term{7},
                               Index{static_cast<std::uint64_t>(i + 1)},
                               "move " + std::to_string(i), 5000 + i, ""});
    }
    registry.record_event(
        {EventKind::role_change, NodeId{1}, Term{8}, Index{0}, "follower -> candidate", 9000, ""});
    flush_all(registry, 0);
    CHECK(registry.counters().written == k_events + 1);

    auto events = registry.read_events(0, 1000);
    REQUIRE(events.ok());
    CHECK(events.value().size() >= 50);
    CHECK(events.value().size() <= 150);
    const auto& last = events.value().back();
    CHECK(last.kind == EventKind::role_change);
    CHECK(last.node == NodeId{1});
    CHECK(last.term == Term{8});
    CHECK(last.detail == "follower -> candidate");
    CHECK(last.timestamp_ms == 9000);
    CHECK_FALSE(last.stream_id.empty());
    const auto& before = events.value()[events.value().size() - 2];
    CHECK(before.kind == EventKind::applied_move);
    CHECK(before.index == Index{k_events});
    CHECK(before.detail == "move " + std::to_string(k_events - 1));

    auto recent = registry.read_events(0, 3);
    REQUIRE(recent.ok());
    REQUIRE(recent.value().size() == 3);
    CHECK(recent.value()[0].index == Index{k_events - 1});
    CHECK(recent.value()[2].kind == EventKind::role_change);
}
