// Connections from the proxy to a node are kept for the next request: the
// pool keeps the clients given back, up to its bound, and a loaded proxy
// keeps enough of them that a burst of moves opens no new connection (each
// one costs a handshake, an accept and a server thread on the leader).

#include "proxy/api/client_pool.hpp"
#include "proxy/fake_node.hpp"
#include "proxy/proxy_harness.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

/// Leases `count` clients at once, posts once on each, then gives them all back.
void burst(ClientPool& pool, const FakeNode& node, std::size_t count)
{
    std::vector<ClientLease> leases;
    for (std::size_t i = 0; i < count; ++i) {
        leases.push_back(pool.lease(node.address()));
        REQUIRE(leases.back());
        httplib::Result result = leases.back()->Post("/probe", "{}", "application/json");
        REQUIRE(result);
        REQUIRE(result->status == 200);
    }
}

/// Holds every POST until `expected` are in flight at once (or 5 s pass),
/// then answers them all.
class Gate {
public:
    explicit Gate(std::size_t expected) : m_expected(expected) { }

    FakeAnswer pass()
    {
        std::unique_lock lock(m_mutex);
        ++m_waiting;
        m_peak = std::max(m_peak, m_waiting);
        if (m_waiting >= m_expected) {
            m_open.notify_all();
        } else {
            m_open.wait_for(lock, std::chrono::seconds(5),
                            [this] { return m_waiting >= m_expected || m_released; });
        }
        m_released = true;
        if (--m_waiting == 0) {
            m_released = false;
        }
        return FakeAnswer{200, json{{"term", 2},
                                    {"index", 7},
                                    {"result", "moved"},
                                    {"lead", json::array({1, 0})},
                                    {"positions", json::array()}}};
    }

    std::size_t peak()
    {
        std::lock_guard lock(m_mutex);
        return m_peak;
    }

private:
    const std::size_t m_expected;
    std::mutex m_mutex;
    std::condition_variable m_open;
    std::size_t m_waiting = 0;
    std::size_t m_peak = 0;
    bool m_released = false;
};

} // namespace

TEST_CASE("proxy: the client pool keeps given-back clients connected, up to its bound", "[proxy]")
{
    // Goal: a client given back keeps its connection for the next lease, and
    // the pool closes what is beyond its bound. Method: twelve leases held at
    // once, one POST on each, all given back; then the same again, counting
    // the connections the node accepted after each round.
    auto connections_per_round = [](std::size_t bound) {
        FakeNode node(1);
        node.set_handler([](const std::string&, const json&) { return FakeAnswer{}; });
        ClientPoolOptions options;
        options.idle_clients_per_node_max = bound;
        ClientPool pool(options);
        burst(pool, node, 12);
        std::size_t first = node.connections();
        burst(pool, node, 12);
        return std::make_pair(first, node.connections());
    };
    // A bound of 12: the second round reuses every connection.
    CHECK(connections_per_round(12) == std::make_pair<std::size_t, std::size_t>(12, 12));
    // A bound of 4: eight connections are closed and made again.
    CHECK(connections_per_round(4) == std::make_pair<std::size_t, std::size_t>(12, 20));
}

TEST_CASE("proxy: a burst of moves on every lane reuses the connections of the burst before",
          "[proxy]")
{
    // Goal: the proxy keeps an idle connection to the leader for each of its
    // move lanes, so moves in flight on all of them at once open no new
    // connection the second time. Method: 32 clients (as many as the proxy
    // has lanes) post a move each; the fake leader holds the moves until all
    // 32 are in flight, so 32 connections are in use at once; then again.
    constexpr std::size_t k_moves = 32;
    FakeNode leader(1);
    json leading = status_body(1, leader.address(), "leader", 2, 1, leader.address());
    leading["voters"] = json::array({1});
    leader.set_status(leading);
    Gate gate(k_moves);
    leader.set_handler([&gate](const std::string&, const json&) { return gate.pass(); });
    ProxyHarness harness(10000);
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.wait_for_view(1, 1);

    auto moves = [&harness] {
        std::vector<std::thread> clients;
        std::vector<int> statuses(k_moves, 0);
        for (std::size_t i = 0; i < k_moves; ++i) {
            clients.emplace_back([&harness, &statuses, i] {
                statuses[i] = harness.post("/nodes/move", R"({"dx":1,"dy":0})").status;
            });
        }
        for (std::thread& client : clients) {
            client.join();
        }
        for (int status : statuses) {
            CHECK(status == 200);
        }
    };
    moves();
    REQUIRE(gate.peak() == k_moves);
    const std::size_t after_first = leader.connections();
    CHECK(after_first >= k_moves);
    moves();
    REQUIRE(gate.peak() == k_moves);
    // The proxy's status poller may have to reconnect once meanwhile (the
    // node closes a connection idle for 1 s); every move connection is reused.
    CHECK(leader.connections() - after_first <= 1);
}
