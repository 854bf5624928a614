// Tests of the cluster token in Redis against a real redis-server
// (src/registry/redis/redis_cluster_token.cpp).

#include "registry/redis_server.hpp"

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace raftescort::registry;
using raftescort::registry::testing::options_for;
using raftescort::registry::testing::RedisServer;
using raftescort::registry::testing::send_inline_command;
using raftescort::util::ErrorCode;

TEST_CASE("registry: the first published cluster token wins", "[registry][token]")
{
    // Goal: of two nodes publishing a token, exactly one token ends up in
    // Redis and both learn it; publishing again (a retry, or the refresh
    // every node does) changes nothing; a reader sees nothing before and
    // the winner after.
    RedisServer server;
    Registry first(options_for(server.url()));
    auto second_options = options_for(server.url());
    second_options.client_name = "node-2";
    Registry second(second_options);

    auto before = second.read_cluster_token(0);
    REQUIRE(before.ok());
    CHECK_FALSE(before.value().has_value());

    auto won = first.publish_cluster_token(0, "token-of-the-founder");
    REQUIRE(won.ok());
    CHECK(won.value() == "token-of-the-founder");
    auto lost = second.publish_cluster_token(0, "token-of-someone-else");
    REQUIRE(lost.ok());
    CHECK(lost.value() == "token-of-the-founder");
    auto again = first.publish_cluster_token(0, "token-of-the-founder");
    REQUIRE(again.ok());
    CHECK(again.value() == "token-of-the-founder");

    auto read = second.read_cluster_token(0);
    REQUIRE(read.ok());
    REQUIRE(read.value().has_value());
    CHECK(*read.value() == "token-of-the-founder");
    // Written straight to Redis, under the cluster's prefix.
    CHECK(first.outbox_size() == 0);
    const std::string key = "raftescort:" + options_for(server.url()).cluster_id + ":cluster-token";
    CHECK(send_inline_command(server.port(), "GET " + key).find("token-of-the-founder")
          != std::string::npos);
}

TEST_CASE("registry: a cluster token key someone else wrote is reported, never quoted",
          "[registry][token]")
{
    // Goal: a value that is not a token (a space in it), or a key of the
    // wrong type, fails with corrupt naming the key, and the message does
    // not repeat the value (it may be a secret).
    RedisServer server;
    Registry registry(options_for(server.url()));
    const std::string key = "raftescort:" + options_for(server.url()).cluster_id + ":cluster-token";

    send_inline_command(server.port(), "SET " + key + " \"not a token\"");
    auto garbage = registry.read_cluster_token(0);
    REQUIRE_FALSE(garbage.ok());
    CHECK(garbage.error().code == ErrorCode::corrupt);
    CHECK(garbage.error().message.find(key) != std::string::npos);
    CHECK(garbage.error().message.find("not a token") == std::string::npos);
    auto published = registry.publish_cluster_token(0, "fresh-token");
    REQUIRE_FALSE(published.ok());
    CHECK(published.error().code == ErrorCode::corrupt);

    send_inline_command(server.port(), "DEL " + key);
    send_inline_command(server.port(), "SADD " + key + " x");
    auto wrong_type = registry.read_cluster_token(0);
    REQUIRE_FALSE(wrong_type.ok());
    CHECK(wrong_type.error().code == ErrorCode::corrupt);
}

TEST_CASE("registry: the cluster token needs Redis", "[registry][token]")
{
    // Goal: with no Redis the calls fail as unavailable, promptly.
    auto options = options_for("redis://127.0.0.1:1");
    Registry registry(options);
    auto read = registry.read_cluster_token(0);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == ErrorCode::unavailable);
    auto published = registry.publish_cluster_token(0, "token");
    REQUIRE_FALSE(published.ok());
    CHECK(published.error().code == ErrorCode::unavailable);
}
