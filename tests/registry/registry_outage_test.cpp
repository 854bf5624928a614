// Tests of the registry when Redis is away: timeouts, backoff, the bounded
// outbox, reset detection and authentication failures
// (src/registry/redis/redis_connection.cpp, redis_registry.cpp).

#include "registry/redis_server.hpp"

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace raftescort::registry;
using raftescort::raft::Index;
using raftescort::raft::NodeId;
using raftescort::raft::Term;
using raftescort::registry::testing::find_free_port;
using raftescort::registry::testing::options_for;
using raftescort::registry::testing::RedisServer;
using raftescort::util::ErrorCode;

namespace {

Event move_event(std::uint64_t index)
{
    return {EventKind::applied_move,         NodeId{1}, Term{2}, Index{index},
            "move " + std::to_string(index), 0,         ""};
}

double elapsed_s(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("registry: reconnect backoff doubles to its cap and follows now_ms", "[registry]")
{
    // Goal: against a port nobody listens on, attempts happen only when the
    // caller's now_ms reaches the next attempt, with delays 50, 100, ... 5000.
    Registry registry(options_for("redis://127.0.0.1:" + std::to_string(find_free_port())));
    registry.record_event(move_event(1));
    std::int64_t now_ms = 1000;
    std::int64_t expected_delay_ms = 50;
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto report = registry.flush(now_ms);
        REQUIRE(report.error);
        CHECK(report.error->code == ErrorCode::unavailable);
        CHECK(registry.counters().failures == static_cast<std::uint64_t>(attempt + 1));
        CHECK(registry.next_connect_ms() == now_ms + expected_delay_ms);
        // Before the delay elapses nothing is attempted.
        report = registry.flush(registry.next_connect_ms() - 1);
        REQUIRE(report.error);
        CHECK_THAT(report.error->message, Catch::Contains("next attempt in 1 ms"));
        CHECK(registry.counters().failures == static_cast<std::uint64_t>(attempt + 1));
        now_ms = registry.next_connect_ms();
        expected_delay_ms = std::min<std::int64_t>(expected_delay_ms * 2, 5000);
    }
    CHECK(expected_delay_ms == 5000);
    CHECK(registry.outbox_size() == 1);
    CHECK_FALSE(registry.connected());
}

TEST_CASE("registry: a stopped Redis times out, buffers writes, and flushes them in order",
          "[registry]")
{
    // Goal: with the server SIGSTOPped every attempt ends within the 200 ms
    // timeouts (asserting < 2 s for a loaded machine), records stay queued,
    // and after SIGCONT one flush writes them in the order they were made.
    RedisServer server;
    auto options = options_for(server.url());
    options.connect_timeout_ms = 200;
    options.command_timeout_ms = 200;
    Registry registry(options);
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "follower", Term{1}, 60000, 0});
    auto report = registry.flush(0);
    REQUIRE_FALSE(report.error);
    REQUIRE(registry.connected());

    server.pause();
    // The registration is idempotent, so it is the record in flight when
    // the timeout hits; Redis may still run it after SIGCONT (at least once).
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "candidate", Term{2}, 60000, 0});
    auto start = std::chrono::steady_clock::now();
    report = registry.flush(100);
    double stalled_s = elapsed_s(start);
    REQUIRE(report.error);
    CHECK_THAT(report.error->message, Catch::Contains("timed out after 200 ms"));
    CHECK(stalled_s < 2.0);
    CHECK_FALSE(registry.connected());
    CHECK(registry.outbox_size() == 1);

    // Records made during the outage wait in the outbox.
    for (std::uint64_t index = 1; index <= 5; ++index) {
        registry.record_event(move_event(index));
    }
    registry.record_leader({NodeId{1}, "10.0.0.1:7001", Term{2}, 2, 3, 0});
    CHECK(registry.outbox_size() == 7);

    // Inside the backoff: no attempt, so no waiting at all.
    start = std::chrono::steady_clock::now();
    report = registry.flush(101);
    CHECK(elapsed_s(start) < 0.05);
    REQUIRE(report.error);
    CHECK_THAT(report.error->message, Catch::Contains("next attempt"));

    // An attempt against the stopped server: TCP connects (the kernel
    // accepts), the handshake times out, and the backoff doubles.
    std::int64_t now_ms = registry.next_connect_ms();
    start = std::chrono::steady_clock::now();
    report = registry.flush(now_ms);
    double attempt_s = elapsed_s(start);
    REQUIRE(report.error);
    CHECK(attempt_s < 2.0);
    CHECK(registry.next_connect_ms() == now_ms + 100);
    CHECK(registry.outbox_size() == 7);

    server.resume();
    now_ms = registry.next_connect_ms();
    report = registry.flush(now_ms);
    INFO((report.error ? report.error->message : std::string()));
    REQUIRE_FALSE(report.error);
    CHECK(report.records_written == 7);
    CHECK(registry.outbox_size() == 0);
    CHECK(registry.counters().reconnects == 1);
    CHECK_FALSE(registry.redis_was_reset());

    auto events = registry.read_events(now_ms, 100);
    REQUIRE(events.ok());
    REQUIRE(events.value().size() == 5);
    for (std::uint64_t index = 1; index <= 5; ++index) {
        CHECK(events.value()[index - 1].index == Index{index});
    }
    auto listing = registry.list_nodes(now_ms);
    REQUIRE(listing.ok());
    REQUIRE(listing.value().live.size() == 1);
    CHECK(listing.value().live[0].role == "candidate");
    auto leader = registry.read_leader(now_ms, Term{2});
    REQUIRE(leader.ok());
    CHECK(leader.value().id == NodeId{1});
}

TEST_CASE("registry: a Redis restarted empty is reported and re-written", "[registry]")
{
    // Goal: after SIGKILL and a fresh server on the same port, the reconnect
    // finds this client's marker missing, reports redis_was_reset(), and the
    // records the node writes again appear.
    RedisServer server;
    Registry registry(options_for(server.url()));
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "leader", Term{3}, 60000, 0});
    registry.record_leader({NodeId{1}, "10.0.0.1:7001", Term{3}, 2, 3, 0});
    REQUIRE_FALSE(registry.flush(0).error);
    CHECK_FALSE(registry.redis_was_reset());

    server.crash();
    server.start();
    // The old socket is dead: this flush fails and keeps the event.
    registry.record_event(move_event(9));
    auto report = registry.flush(10);
    REQUIRE(report.error);
    CHECK(registry.outbox_size() == 1);
    CHECK_FALSE(registry.redis_was_reset());

    std::int64_t now_ms = registry.next_connect_ms();
    report = registry.flush(now_ms);
    INFO((report.error ? report.error->message : std::string()));
    REQUIRE_FALSE(report.error);
    CHECK(registry.redis_was_reset());
    CHECK(registry.counters().resets_detected == 1);
    auto listing = registry.list_nodes(now_ms);
    REQUIRE(listing.ok());
    CHECK(listing.value().live.empty());

    // The node answers the report by writing what its log knows again.
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "leader", Term{3}, 60000, 0});
    registry.record_leader({NodeId{1}, "10.0.0.1:7001", Term{3}, 2, 3, 0});
    REQUIRE_FALSE(registry.flush(now_ms).error);
    registry.acknowledge_reset();
    CHECK_FALSE(registry.redis_was_reset());
    listing = registry.list_nodes(now_ms);
    REQUIRE(listing.ok());
    REQUIRE(listing.value().live.size() == 1);
    auto leader = registry.read_leader(now_ms, Term{3});
    REQUIRE(leader.ok());
    CHECK(leader.value().id == NodeId{1});
    auto events = registry.read_events(now_ms, 10);
    REQUIRE(events.ok());
    REQUIRE(events.value().size() == 1);
    CHECK(events.value()[0].index == Index{9});

    // A Redis emptied while the connection stays up (FLUSHALL) is caught by
    // the periodic marker check, and mark_lost() reports it on request.
    REQUIRE(raftescort::registry::testing::send_inline_command(server.port(), "FLUSHALL")
            == "+OK\r\n");
    report = registry.flush(now_ms + registry.options().marker_check_interval_ms);
    REQUIRE_FALSE(report.error);
    CHECK(registry.redis_was_reset());
    CHECK(registry.counters().resets_detected == 2);
    CHECK(registry.counters().reconnects == 1);
    registry.acknowledge_reset();
    registry.mark_lost();
    CHECK(registry.redis_was_reset());
}

TEST_CASE("registry: a full outbox drops the oldest events first and counts drops", "[registry]")
{
    // Goal: with a bound of 10, events go before registrations, which go
    // before election and leader records; within a rank the oldest goes, and
    // every drop is counted. The survivors are then written in order.
    RedisServer server;
    auto options = options_for(server.url());
    options.outbox_records_max = 10;
    Registry registry(options);
    registry.record_leader({NodeId{1}, "10.0.0.1:7001", Term{1}, 2, 3, 0});
    registry.register_node({NodeId{1}, "10.0.0.1:7001", "leader", Term{1}, 60000, 0});
    for (std::uint64_t index = 1; index <= 20; ++index) {
        registry.record_event(move_event(index));
    }
    CHECK(registry.outbox_size() == 10);
    CHECK(registry.counters().queued == 22);
    CHECK(registry.counters().dropped == 12);

    // History outranks everything: eight more election records push out the
    // remaining events, then the registration.
    for (std::uint64_t voter = 1; voter <= 9; ++voter) {
        registry.record_ballot(
            {Term{1}, NodeId{1}, NodeId{voter}, true, raftescort::raft::VoteRefusal::none});
    }
    CHECK(registry.outbox_size() == 10);
    CHECK(registry.counters().dropped == 21);
    // An event cannot displace history: the incoming event is the one dropped.
    registry.record_event(move_event(21));
    CHECK(registry.counters().dropped == 22);
    CHECK(registry.outbox_size() == 10);

    auto report = registry.flush(0);
    REQUIRE_FALSE(report.error);
    CHECK(report.records_written == 10);
    auto events = registry.read_events(0, 100);
    REQUIRE(events.ok());
    CHECK(events.value().empty());
    auto listing = registry.list_nodes(0);
    REQUIRE(listing.ok());
    CHECK(listing.value().live.empty());
    auto election = registry.read_election(0, Term{1});
    REQUIRE(election.ok());
    CHECK(election.value().candidacies.at(0).ballots.size() == 9);
    CHECK(registry.read_leader(0, Term{1}).ok());
}

TEST_CASE("registry: events are dropped oldest first while history survives", "[registry]")
{
    // Goal: during a long outage the newest events survive, in order.
    RedisServer server;
    auto options = options_for(server.url());
    options.outbox_records_max = 5;
    Registry registry(options);
    registry.record_candidacy(Term{4}, NodeId{2});
    for (std::uint64_t index = 1; index <= 10; ++index) {
        registry.record_event(move_event(index));
    }
    CHECK(registry.counters().dropped == 6);
    REQUIRE_FALSE(registry.flush(0).error);
    auto events = registry.read_events(0, 100);
    REQUIRE(events.ok());
    REQUIRE(events.value().size() == 4);
    for (std::uint64_t i = 0; i < 4; ++i) {
        CHECK(events.value()[i].index == Index{7 + i});
    }
    CHECK(registry.read_election(0, Term{4}).ok());
}

TEST_CASE("registry: a wrong or missing password fails closed", "[registry]")
{
    // Goal: AUTH refused (or NOAUTH) is a clear `rejected` error without the
    // password in it, nothing is written, and the right password works.
    RedisServer server({"--requirepass", "right-secret"});
    Registry wrong(options_for(server.url(":wrong-secret@")));
    wrong.record_event(move_event(1));
    auto report = wrong.flush(0);
    REQUIRE(report.error);
    CHECK(report.error->code == ErrorCode::rejected);
    CHECK_THAT(report.error->message, Catch::Contains("refused AUTH"));
    CHECK_THAT(report.error->message, !Catch::Contains("wrong-secret"));
    CHECK_FALSE(wrong.connected());
    CHECK(wrong.outbox_size() == 1);
    CHECK(wrong.counters().written == 0);
    auto read = wrong.read_events(wrong.next_connect_ms(), 10);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == ErrorCode::rejected);

    Registry missing(options_for(server.url()));
    missing.record_event(move_event(1));
    report = missing.flush(0);
    REQUIRE(report.error);
    CHECK(report.error->code == ErrorCode::rejected);
    CHECK_THAT(report.error->message, Catch::Contains("NOAUTH"));

    Registry right(options_for(server.url(":right-secret@")));
    right.record_event(move_event(1));
    report = right.flush(0);
    REQUIRE_FALSE(report.error);
    auto events = right.read_events(0, 10);
    REQUIRE(events.ok());
    CHECK(events.value().size() == 1);
}
