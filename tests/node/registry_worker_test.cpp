// The registry worker's two ways of queueing work (src/node/registry_worker.cpp):
// post() wakes the worker at once; post_lazy() waits for its next timed wake
// or for the next post(). The registry's Redis is unreachable: the work here
// does not touch it.

#include "node/registry_worker.hpp"

#include "transport/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace {

using namespace raftescort;
using namespace std::chrono_literals;

std::unique_ptr<node::RegistryWorker> idle_worker(node::AddressBook& addresses,
                                                  std::int64_t idle_wait_ms)
{
    registry::RegistryOptions registry_options;
    registry_options.url.host = "127.0.0.1";
    registry_options.url.port = static_cast<std::uint16_t>(http_test::unused_port());
    registry_options.cluster_id = "worker-test";
    node::RegistryWorkerOptions options{raft::NodeId{1}, "127.0.0.1:1"};
    options.idle_wait_ms = idle_wait_ms;
    return std::make_unique<node::RegistryWorker>(
        std::make_unique<registry::Registry>(registry_options), options, addresses,
        [] { return node::RegistrationState{"follower", raft::Term{1}}; });
}

/// Waits up to `limit` for `flag`.
bool becomes_true(const std::atomic<bool>& flag, std::chrono::milliseconds limit)
{
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!flag.load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    return flag.load();
}

} // namespace

TEST_CASE("registry worker: lazy work waits for the next wake, a post brings it along",
          "[node][registry-worker]")
{
    node::AddressBook addresses;
    // A long timed wake, so only a post can explain lazy work running soon.
    auto worker = idle_worker(addresses, 60000);
    // Let the worker's first round (a failed connect) pass.
    std::this_thread::sleep_for(100ms);

    std::atomic<bool> lazy_ran{false};
    worker->post_lazy([&](registry::Registry&) { lazy_ran = true; });
    std::this_thread::sleep_for(300ms);
    REQUIRE_FALSE(lazy_ran.load());

    std::atomic<bool> urgent_ran{false};
    worker->post([&](registry::Registry&) { urgent_ran = true; });
    REQUIRE(becomes_true(urgent_ran, 5000ms));
    REQUIRE(lazy_ran.load());
}

TEST_CASE("registry worker: lazy work runs at the timed wake", "[node][registry-worker]")
{
    node::AddressBook addresses;
    auto worker = idle_worker(addresses, 50);
    std::atomic<bool> lazy_ran{false};
    worker->post_lazy([&](registry::Registry&) { lazy_ran = true; });
    REQUIRE(becomes_true(lazy_ran, 5000ms));
}
