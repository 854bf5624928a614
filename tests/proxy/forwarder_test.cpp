// The forwarder against fake nodes: it finds the leader through a follower's
// 421, retries the same request after a leader dies mid-request, gives up
// with 503 within its bound when there is no leader, and never reports a
// success a node did not give.

#include "proxy/api/client_pool.hpp"
#include "proxy/api/forwarder.hpp"
#include "proxy/fake_node.hpp"
#include "proxy/view/cluster_view.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

ClusterViewOptions fast_view()
{
    ClusterViewOptions options;
    options.poller.poll_interval_ms = 20;
    options.poller.poll_timeout_ms = 200;
    return options;
}

json move_body(const std::string& client, std::uint64_t sequence)
{
    return json{{"dx", 1}, {"dy", 0}, {"client_id", client}, {"sequence", sequence}};
}

FakeAnswer committed(std::uint64_t index)
{
    return FakeAnswer{200, json{{"term", 2},
                                {"index", index},
                                {"result", "moved"},
                                {"lead", json::array({1, 0})},
                                {"positions", json::array()}}};
}

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                 - start)
        .count();
}

} // namespace

TEST_CASE("proxy: forwarder follows a follower's 421 to the leader", "[proxy]")
{
    // Goal: the proxy reaches a leader it has never polled, named only by a
    // follower's 421 answer. Method: the view knows only the follower (no
    // peers listed, so it cannot learn the leader by polling).
    FakeNode leader(2);
    FakeNode follower(1);
    leader.set_status(status_body(2, leader.address(), "leader", 2));
    leader.set_handler([](const std::string&, const json&) { return committed(11); });
    follower.set_status(status_body(1, follower.address(), "follower", 2, 2, leader.address()));
    follower.set_handler([&](const std::string&, const json&) {
        return FakeAnswer{421, json{{"error", "not the leader"},
                                    {"leader", 2},
                                    {"leader_name", leader.address()},
                                    {"term", 2}}};
    });
    ClusterView view(fast_view());
    ClientPool pool(ClientPoolOptions{});
    Forwarder forwarder(view, pool, ForwarderOptions{2000, 10});
    view.learn(1, follower.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->reachable_count() == 1; }));

    ForwardResult result = forwarder.forward({"/move", move_body("c", 1)});
    INFO(result.message);
    REQUIRE(result.status == 200);
    CHECK(result.node == 2);
    CHECK(result.body["index"] == 11);
    REQUIRE(leader.received().size() == 1);
    CHECK(leader.received()[0].second == move_body("c", 1));
    CHECK(follower.received().size() == 1);
}

TEST_CASE("proxy: forwarder retries the same client id after the leader dies mid-request",
          "[proxy]")
{
    // Goal: a move whose leader vanished before answering is sent again,
    // with the same client_id and sequence, to the next leader; so the
    // cluster applies it at most once. Method: node 1 leads in term 2 and
    // drops the request without an answer (its status then says it lost
    // leadership); node 2 leads in term 3 and commits.
    CrashingNode dying;
    FakeNode next(2);
    dying.set_status(status_body(1, dying.address(), "leader", 2));
    next.set_status(status_body(2, next.address(), "follower", 2, 1, dying.address()));
    next.set_handler([](const std::string&, const json&) { return committed(12); });
    ClusterView view(fast_view());
    ClientPool pool(ClientPoolOptions{});
    Forwarder forwarder(view, pool, ForwarderOptions{3000, 10});
    view.learn(1, dying.address(), AddressSource::registry);
    view.learn(2, next.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->leader == 1; }));

    std::thread election([&] {
        REQUIRE(eventually([&] { return !dying.dropped().empty(); }));
        dying.set_status(status_body(1, dying.address(), "follower", 3, 2, next.address()));
        next.set_status(status_body(2, next.address(), "leader", 3));
    });
    ForwardResult result = forwarder.forward({"/move", move_body("retry-me", 7)});
    election.join();
    INFO(result.message);
    REQUIRE(result.status == 200);
    CHECK(result.node == 2);
    REQUIRE(dying.dropped().size() >= 1);
    CHECK(dying.dropped()[0] == move_body("retry-me", 7));
    for (const auto& [path, body] : next.received()) {
        CHECK(path == "/move");
        CHECK(body == move_body("retry-me", 7));
    }
}

TEST_CASE("proxy: forwarder answers 503 within its bound when no leader exists", "[proxy]")
{
    // Goal: no leader means a 503 with the reason, after the request's
    // budget and not much later, never a success. Method: two followers
    // that know no leader, a 600 ms budget.
    FakeNode first(1);
    FakeNode second(2);
    for (FakeNode* node : {&first, &second}) {
        node->set_handler([](const std::string&, const json&) {
            return FakeAnswer{
                421, json{{"error", "no leader"}, {"leader", 0}, {"leader_name", ""}, {"term", 4}}};
        });
    }
    ClusterView view(fast_view());
    ClientPool pool(ClientPoolOptions{});
    Forwarder forwarder(view, pool, ForwarderOptions{600, 10});
    view.learn(1, first.address(), AddressSource::registry);
    view.learn(2, second.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->reachable_count() == 2; }));

    const auto start = std::chrono::steady_clock::now();
    ForwardResult result = forwarder.forward({"/move", move_body("c", 1)});
    const std::int64_t took_ms = elapsed_ms(start);
    CHECK(result.status == 503);
    CHECK(result.message.find("knows no leader") != std::string::npos);
    CHECK(took_ms >= 590);
    CHECK(took_ms < 1100);
    CHECK(result.attempts >= 2);
}

TEST_CASE("proxy: forwarder gives up at once on an unknown outcome it may not repeat", "[proxy]")
{
    // Goal: a request that is not idempotent (membership) is not resent
    // after the leader answered 503, and a definitive refusal passes through.
    FakeNode leader(1);
    leader.set_status(status_body(1, leader.address(), "leader", 2));
    leader.set_handler([](const std::string& path, const json&) {
        if (path == "/members/remove") {
            return FakeAnswer{503, json{{"error", "not committed within 3000 ms"}}};
        }
        return FakeAnswer{400, json{{"error", "dx must be an integer"}}};
    });
    ClusterView view(fast_view());
    ClientPool pool(ClientPoolOptions{});
    Forwarder forwarder(view, pool, ForwarderOptions{2000, 10});
    view.learn(1, leader.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->leader == 1; }));

    ForwardResult removal =
        forwarder.forward({"/members/remove", json{{"id", 3}}, RetryPolicy::unsent_only, 0});
    CHECK(removal.status == 503);
    CHECK(removal.attempts == 1);
    CHECK(removal.message.find("not committed") != std::string::npos);

    ForwardResult refused = forwarder.forward({"/move", json{{"dx", "a"}}});
    CHECK(refused.status == 400);
    CHECK(refused.message == "dx must be an integer");
    CHECK(leader.received().size() == 2);
}

TEST_CASE("proxy: forwarder skips a dead leader the view still shows", "[proxy]")
{
    // Goal: between polls the view may still name a leader that died; the
    // forwarder tries it, is refused, and reaches the new leader within the
    // budget. Method: the view's leader's address refuses connections.
    FakeNode old_leader(1);
    FakeNode new_leader(2);
    old_leader.set_status(status_body(1, old_leader.address(), "leader", 2));
    new_leader.set_status(
        status_body(2, new_leader.address(), "follower", 2, 1, old_leader.address()));
    new_leader.set_handler([](const std::string&, const json&) { return committed(20); });
    ClusterView view(fast_view());
    ClientPool pool(ClientPoolOptions{});
    Forwarder forwarder(view, pool, ForwarderOptions{3000, 10});
    view.learn(1, old_leader.address(), AddressSource::registry);
    view.learn(2, new_leader.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->leader == 1; }));
    old_leader.stop();
    new_leader.set_status(status_body(2, new_leader.address(), "leader", 3));

    ForwardResult result = forwarder.forward({"/move", move_body("c", 2)});
    INFO(result.message);
    CHECK(result.status == 200);
    CHECK(result.node == 2);
}

TEST_CASE("proxy: a fenced proposal carries the leader's term and follows a re-election", "[proxy]")
{
    // Goal: moves carry the term the proxy believes the leader leads as a
    // fencing token; a leader that has moved on to another term refuses it
    // (421 naming itself and its new term) and the forwarder resends with
    // that term. Method: the view sees node 1 leading term 2; the node
    // answers 421 with term 3 unless the body says term 3.
    FakeNode leader(1);
    leader.set_status(status_body(1, leader.address(), "leader", 2));
    leader.set_handler([&](const std::string&, const json& body) {
        if (body.value("term", 0) != 3) {
            return FakeAnswer{421, json{{"error", "not the leader"},
                                        {"leader", 1},
                                        {"leader_name", leader.address()},
                                        {"term", 3}}};
        }
        return committed(13);
    });
    ClusterView view(fast_view());
    ClientPool pool(ClientPoolOptions{});
    Forwarder forwarder(view, pool, ForwarderOptions{2000, 10});
    view.learn(1, leader.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->leader_view() != nullptr; }));

    ForwardRequest request{"/move", move_body("f", 1)};
    request.fence_with_term = true;
    ForwardResult result = forwarder.forward(request);
    INFO(result.message);
    REQUIRE(result.status == 200);
    REQUIRE(leader.received().size() == 2);
    CHECK(leader.received()[0].second["term"] == 2);
    CHECK(leader.received()[1].second["term"] == 3);
    // Apart from the fence, the body is the client's, unchanged.
    json unfenced = leader.received()[1].second;
    unfenced.erase("term");
    CHECK(unfenced == move_body("f", 1));

    // Requests that are not proposals go out as they came.
    ForwardResult plain = forwarder.forward({"/move", move_body("f", 2)});
    REQUIRE(leader.received().size() >= 3);
    CHECK_FALSE(leader.received()[2].second.contains("term"));
    (void)plain;
}
