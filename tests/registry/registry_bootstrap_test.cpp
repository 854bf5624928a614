// Tests of the bootstrap claim and node id allocation against a real
// redis-server (src/registry/redis/redis_bootstrap.cpp).

#include "registry/redis_server.hpp"

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace raftescort::registry;
using raftescort::raft::NodeId;
using raftescort::raft::Term;
using raftescort::registry::testing::options_for;
using raftescort::registry::testing::RedisServer;
using raftescort::registry::testing::send_inline_command;
using raftescort::util::ErrorCode;

namespace {

// A second client of the same cluster, as another starting node would be.
RegistryOptions second_client_options(const RedisServer& server, const std::string& name)
{
    auto options = options_for(server.url());
    options.client_name = name;
    options.run_id = "run-" + name;
    return options;
}

void register_and_flush(Registry& registry, NodeId id)
{
    registry.register_node(
        {id, "10.0.0." + std::to_string(id.value) + ":7001", "follower", Term{1}, 60000, 0});
    auto report = registry.flush(0);
    INFO((report.error ? report.error->message : std::string("no error")));
    REQUIRE_FALSE(report.error);
    REQUIRE(registry.outbox_size() == 0);
}

NodeId allocate(Registry& registry)
{
    auto id = registry.allocate_node_id(0);
    INFO((id.ok() ? std::string("ok") : id.error().message));
    REQUIRE(id.ok());
    return id.value();
}

double elapsed_s(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("registry: the first bootstrap claim wins and every later claim sees it",
          "[registry][bootstrap]")
{
    // Goal: of two starting nodes exactly one founds the cluster. Node 3
    // claims first through one client, node 5 through another gets 3 back,
    // and node 3 claiming again (a retry after a lost reply) still wins.
    RedisServer server;
    Registry first(options_for(server.url()));
    Registry second(second_client_options(server, "node-2"));

    auto claim = first.claim_bootstrap(0, NodeId{3});
    REQUIRE(claim.ok());
    CHECK(claim.value() == NodeId{3});

    claim = second.claim_bootstrap(0, NodeId{5});
    REQUIRE(claim.ok());
    CHECK(claim.value() == NodeId{3});

    claim = first.claim_bootstrap(0, NodeId{3});
    REQUIRE(claim.ok());
    CHECK(claim.value() == NodeId{3});

    // The claim went straight to Redis; nothing waits in the outbox.
    CHECK(first.outbox_size() == 0);
    CHECK(second.outbox_size() == 0);
}

TEST_CASE("registry: read_bootstrap_claim is empty until a node claims", "[registry][bootstrap]")
{
    // Goal: a fresh cluster reads as unclaimed, and the claim reads back
    // through any client once made.
    RedisServer server;
    Registry reader(options_for(server.url()));
    Registry claimer(second_client_options(server, "node-2"));

    auto missing = reader.read_bootstrap_claim(0);
    REQUIRE(missing.ok());
    CHECK_FALSE(missing.value().has_value());

    REQUIRE(claimer.claim_bootstrap(0, NodeId{42}).ok());
    auto present = reader.read_bootstrap_claim(0);
    REQUIRE(present.ok());
    REQUIRE(present.value().has_value());
    CHECK(*present.value() == NodeId{42});
}

TEST_CASE("registry: allocated ids count up and skip registered ids", "[registry][bootstrap]")
{
    // Goal: allocation hands out 1, 2, 3, ... but never an id that a node
    // given its id explicitly has already registered, before or after the
    // counter reaches it.
    RedisServer server;
    Registry registry(options_for(server.url()));

    CHECK(allocate(registry) == NodeId{1});
    CHECK(allocate(registry) == NodeId{2});
    CHECK(allocate(registry) == NodeId{3});

    // Nodes 4 and 5 registered with explicit ids; 7 registered further on.
    register_and_flush(registry, NodeId{4});
    register_and_flush(registry, NodeId{5});
    register_and_flush(registry, NodeId{7});
    CHECK(allocate(registry) == NodeId{6});
    CHECK(allocate(registry) == NodeId{8});

    // Reservations are members of `nodes`, so the proxy lists them; the
    // allocated ids without a registration show as expired.
    auto listing = registry.list_nodes(0);
    REQUIRE(listing.ok());
    CHECK(listing.value().live.size() == 3);
    CHECK(listing.value().expired
          == std::vector<NodeId>{NodeId{1}, NodeId{2}, NodeId{3}, NodeId{6}, NodeId{8}});
}

TEST_CASE("registry: concurrent allocations never hand out one id twice", "[registry][bootstrap]")
{
    // Goal: the allocation script is atomic across clients. Two threads,
    // each owning its own Registry (a Registry has one owner), allocate 100
    // ids each at the same time; the 200 ids are distinct and, since no node
    // registered an id of its own, exactly 1..200.
    RedisServer server;
    constexpr int k_threads = 2;
    constexpr int k_allocations_per_thread = 100;
    std::vector<std::vector<std::uint64_t>> ids(k_threads);
    std::vector<std::string> failures(k_threads);
    std::vector<std::thread> threads;
    for (int thread = 0; thread < k_threads; ++thread) {
        auto options = second_client_options(server, "node-" + std::to_string(thread + 1));
        threads.emplace_back([options, &ids, &failures, thread] {
            // Catch2 assertions are not thread-safe: record, check after join.
            Registry registry(options);
            for (int i = 0; i < k_allocations_per_thread; ++i) {
                auto id = registry.allocate_node_id(0);
                if (!id.ok()) {
                    failures[thread] = id.error().message;
                    return;
                }
                ids[thread].push_back(id.value().value);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::set<std::uint64_t> distinct;
    for (int thread = 0; thread < k_threads; ++thread) {
        INFO("thread " << thread);
        CHECK(failures[thread].empty());
        CHECK(ids[thread].size() == static_cast<std::size_t>(k_allocations_per_thread));
        distinct.insert(ids[thread].begin(), ids[thread].end());
    }
    CHECK(distinct.size() == static_cast<std::size_t>(k_threads * k_allocations_per_thread));
    CHECK(*distinct.begin() == 1);
    CHECK(*distinct.rbegin() == static_cast<std::uint64_t>(k_threads * k_allocations_per_thread));
}

TEST_CASE("registry: node_known sees registered and allocated ids", "[registry][bootstrap]")
{
    // Goal: an id is known once registered (after the flush, not before:
    // node_known reads Redis, not the outbox) or once allocated.
    RedisServer server;
    Registry registry(options_for(server.url()));

    auto known = registry.node_known(0, NodeId{9});
    REQUIRE(known.ok());
    CHECK_FALSE(known.value());

    registry.register_node({NodeId{9}, "10.0.0.9:7001", "follower", Term{1}, 60000, 0});
    known = registry.node_known(0, NodeId{9});
    REQUIRE(known.ok());
    CHECK_FALSE(known.value());
    REQUIRE_FALSE(registry.flush(0).error);
    known = registry.node_known(0, NodeId{9});
    REQUIRE(known.ok());
    CHECK(known.value());

    NodeId allocated = allocate(registry);
    CHECK(allocated == NodeId{1});
    known = registry.node_known(0, allocated);
    REQUIRE(known.ok());
    CHECK(known.value());
    known = registry.node_known(0, NodeId{2});
    REQUIRE(known.ok());
    CHECK_FALSE(known.value());
}

TEST_CASE("registry: garbage in the bootstrap, counter or node keys is corrupt",
          "[registry][bootstrap]")
{
    // Goal: values someone else wrote are reported as ErrorCode::corrupt
    // naming the key, never read as an id: not-a-number, a sign, leading
    // zeros, 0 (no node), past 64 bits, and keys of the wrong type.
    RedisServer server;
    Registry registry(options_for(server.url()));
    const std::string bootstrap_key = "raftescort:test:bootstrap";
    const std::string counter_key = "raftescort:test:next_id";
    const std::string nodes_key = "raftescort:test:nodes";
    auto write = [&](const std::string& command) {
        REQUIRE(send_inline_command(server.port(), command).rfind("+OK", 0) == 0);
    };

    for (const std::string garbage : {"abc", "-3", "007", "0", "12x", "99999999999999999999"}) {
        INFO("value " << garbage);
        write("SET " + bootstrap_key + " " + garbage);
        auto claim = registry.claim_bootstrap(0, NodeId{1});
        REQUIRE_FALSE(claim.ok());
        CHECK(claim.error().code == ErrorCode::corrupt);
        CHECK_THAT(claim.error().message, Catch::Contains(bootstrap_key));
        auto read = registry.read_bootstrap_claim(0);
        REQUIRE_FALSE(read.ok());
        CHECK(read.error().code == ErrorCode::corrupt);
        CHECK_THAT(read.error().message, Catch::Contains(bootstrap_key));

        write("SET " + counter_key + " " + garbage);
        auto id = registry.allocate_node_id(0);
        REQUIRE_FALSE(id.ok());
        CHECK(id.error().code == ErrorCode::corrupt);
        CHECK_THAT(id.error().message, Catch::Contains(counter_key));
    }
    // The garbage was reported, not overwritten or incremented.
    CHECK(send_inline_command(server.port(), "GET " + counter_key).find("99999999999999999999")
          != std::string::npos);

    // Keys of the wrong type: a list where a string or a set belongs.
    send_inline_command(server.port(), "DEL " + bootstrap_key + " " + counter_key);
    send_inline_command(server.port(), "LPUSH " + bootstrap_key + " x");
    auto claim = registry.claim_bootstrap(0, NodeId{1});
    REQUIRE_FALSE(claim.ok());
    CHECK(claim.error().code == ErrorCode::corrupt);
    CHECK_THAT(claim.error().message, Catch::Contains(bootstrap_key));

    write("SET " + nodes_key + " 1");
    auto known = registry.node_known(0, NodeId{1});
    REQUIRE_FALSE(known.ok());
    CHECK(known.error().code == ErrorCode::corrupt);
    CHECK_THAT(known.error().message, Catch::Contains(nodes_key));
    auto id = registry.allocate_node_id(0);
    REQUIRE_FALSE(id.ok());
    CHECK(id.error().code == ErrorCode::corrupt);
    CHECK_THAT(id.error().message, Catch::Contains(nodes_key));
    // The check came before INCR: the counter was not touched.
    CHECK(send_inline_command(server.port(), "EXISTS " + counter_key).rfind(":0", 0) == 0);
}

TEST_CASE("registry: bootstrap calls fail as unavailable within 0.5 s when Redis is down",
          "[registry][bootstrap]")
{
    // Goal: the four calls follow the read rules when Redis is away. With
    // the server SIGSTOPped (accepts TCP, never answers) each real attempt
    // ends within its 100 ms timeouts; with the server gone the connect is
    // refused at once; inside the backoff no attempt is made at all.
    RedisServer server;
    auto options = options_for(server.url());
    options.connect_timeout_ms = 100;
    options.command_timeout_ms = 100;
    Registry registry(options);
    REQUIRE(registry.claim_bootstrap(0, NodeId{1}).ok());

    // Every call that may block gets a fresh attempt: now_ms moves to the
    // next allowed connect after each failure.
    std::int64_t now_ms = 0;
    auto check_unavailable = [&](const char* call, auto&& invoke) {
        INFO(call);
        auto start = std::chrono::steady_clock::now();
        auto result = invoke(now_ms);
        double took_s = elapsed_s(start);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == ErrorCode::unavailable);
        CHECK(took_s < 0.5);
        CHECK_FALSE(registry.connected());
        now_ms = registry.next_connect_ms();
    };
    auto check_all_four = [&] {
        check_unavailable("claim_bootstrap", [&](std::int64_t now) {
            return registry.claim_bootstrap(now, NodeId{1});
        });
        check_unavailable("read_bootstrap_claim",
                          [&](std::int64_t now) { return registry.read_bootstrap_claim(now); });
        check_unavailable("allocate_node_id",
                          [&](std::int64_t now) { return registry.allocate_node_id(now); });
        check_unavailable("node_known",
                          [&](std::int64_t now) { return registry.node_known(now, NodeId{1}); });
    };

    server.pause();
    check_all_four();
    // Inside the backoff the call does not even try.
    auto start = std::chrono::steady_clock::now();
    auto refused = registry.allocate_node_id(now_ms - 1);
    CHECK(elapsed_s(start) < 0.05);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::unavailable);
    CHECK_THAT(refused.error().message, Catch::Contains("next attempt"));

    server.stop();
    check_all_four();
}
