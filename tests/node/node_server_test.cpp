// A whole node in process (NodeServer): it founds a cluster through a real
// Redis, serves its API and Raft endpoint on its port, stops promptly, and
// reopens its data dir as the same member with what it committed.

#include "node/node_server.hpp"
#include "node/signal_wait.hpp"

#include "registry/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "transport/http_test_server.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace {

using namespace raftescort;
using nlohmann::json;

node::NodeSettings settings_for(const std::string& redis_url, const std::string& data_dir, int port)
{
    node::NodeSettings settings;
    settings.cluster_id = "node-server-test";
    settings.listen_host = "127.0.0.1";
    settings.listen_port = static_cast<std::uint16_t>(port);
    settings.advertise = "127.0.0.1:" + std::to_string(port);
    settings.redis_url = redis_url;
    settings.data_dir = data_dir;
    settings.heartbeat_interval_ms = 20;
    settings.election_timeout_ms = 100;
    settings.autopilot = false;
    settings.admin_token = "node-server-test-admin-token";
    return settings;
}

std::unique_ptr<node::NodeServer> start_node(const node::NodeSettings& settings,
                                             node::SignalWait& signals)
{
    util::Result<std::unique_ptr<node::NodeServer>> started = node::NodeServer::start(
        settings, signals, [](const std::string& message) { FAIL("fatal: " << message); });
    INFO((started.ok() ? std::string() : started.error().message));
    REQUIRE(started.ok());
    return std::move(started.value());
}

bool leads(node::NodeServer& server)
{
    node::NodeStatus status = server.loop().status();
    return status.role == "leader" && status.committed_in_term;
}

} // namespace

TEST_CASE("a node server founds a cluster, serves, stops and reopens as itself", "[node][server]")
{
    // Goal: what run_node does between its signals works without a process:
    // the founder leads alone, a move through its HTTP port commits, stop()
    // closes the port, and a second start on the same data dir is the same
    // member with the move still applied.
    registry::testing::RedisServer redis;
    raftescort::testing::TempDir directory("node-server");
    int port = http_test::unused_port();
    node::NodeSettings settings = settings_for(redis.url(), directory.path() + "/data", port);
    node::SignalWait signals;

    auto first = start_node(settings, signals);
    REQUIRE(first->id() != raft::k_no_node);
    REQUIRE(first->port() == port);
    REQUIRE(first->cluster_token().size() == 64);
    REQUIRE(http_test::wait_until([&] { return leads(*first); }, std::chrono::seconds(5)));

    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(5));
    httplib::Result moved = client.Post("/move", R"({"dx": 3, "dy": 1})", "application/json");
    REQUIRE(moved);
    REQUIRE(moved->status == 200);
    httplib::Result status = client.Get("/status");
    REQUIRE(status);
    json answer = json::parse(status->body, nullptr, false);
    REQUIRE(answer.value("role", "") == "leader");

    raft::NodeId id = first->id();
    raft::Term term = first->loop().status().term;
    std::string token = first->cluster_token();
    auto stop_started = std::chrono::steady_clock::now();
    first->stop();
    REQUIRE(std::chrono::steady_clock::now() - stop_started < std::chrono::seconds(2));
    first->stop(); // idempotent
    first.reset();
    httplib::Client closed("127.0.0.1", port);
    closed.set_connection_timeout(std::chrono::milliseconds(500));
    REQUIRE_FALSE(closed.Get("/health"));

    auto second = start_node(settings, signals);
    REQUIRE(second->id() == id);
    REQUIRE(second->cluster_token() == token);
    REQUIRE(http_test::wait_until([&] { return leads(*second); }, std::chrono::seconds(5)));
    node::NodeStatus reopened = second->loop().status();
    REQUIRE(reopened.term > term);
    REQUIRE(reopened.lead == escort::Point{3, 1});
}

TEST_CASE("a node server that cannot bind its port says which address", "[node][server]")
{
    // Goal: a taken port is an error naming the address, not a crash or a
    // node that runs without its API.
    registry::testing::RedisServer redis;
    raftescort::testing::TempDir directory("node-server-bind");
    http_test::TestServer occupant([](transport::HttpServer&) {});
    node::NodeSettings settings =
        settings_for(redis.url(), directory.path() + "/data", occupant.port());
    node::SignalWait signals;
    util::Result<std::unique_ptr<node::NodeServer>> started = node::NodeServer::start(
        settings, signals, [](const std::string& message) { FAIL("fatal: " << message); });
    REQUIRE_FALSE(started.ok());
    REQUIRE_THAT(started.error().message,
                 Catch::Contains("127.0.0.1:" + std::to_string(occupant.port())));
}
