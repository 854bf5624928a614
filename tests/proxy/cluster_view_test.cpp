// The cluster view's snapshot is shared between callers until the view
// changes (every forwarded move reads it), and never outlives a change.

#include "proxy/fake_node.hpp"
#include "proxy/view/cluster_view.hpp"

#include <catch2/catch.hpp>

using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

ClusterViewOptions view_polling_every(std::int64_t interval_ms)
{
    ClusterViewOptions options;
    options.poller.poll_interval_ms = interval_ms;
    options.poller.poll_timeout_ms = 200;
    return options;
}

} // namespace

TEST_CASE("proxy: the view's snapshot is shared until the view changes", "[proxy]")
{
    // Goal: callers get the same snapshot while nothing changed, a new one
    // after a change, and a snapshot already handed out stays as it was.
    // Method: one poll, then no more for a minute, so only the test changes it.
    FakeNode node(1);
    node.set_status(status_body(1, node.address(), "leader", 4));
    ClusterView view(view_polling_every(60'000));
    view.learn(1, node.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->leader == 1; }));

    std::shared_ptr<const ClusterSnapshot> first = view.snapshot();
    REQUIRE(view.snapshot().get() == first.get());
    const std::uint64_t first_version = first->version;

    // Node 2 never answers: it is listed while it is registered.
    view.set_registered({2});
    view.learn(2, "127.0.0.1:1", AddressSource::registry);
    std::shared_ptr<const ClusterSnapshot> second = view.snapshot();
    REQUIRE(second.get() != first.get());
    REQUIRE(second->find(2) != nullptr);
    REQUIRE(first->find(2) == nullptr);
    REQUIRE(first->version == first_version);

    // Unregistered, not a member the leader counts, and silent: not listed.
    view.set_registered({});
    REQUIRE(view.snapshot().get() != second.get());
    REQUIRE(view.snapshot()->find(2) == nullptr);
    REQUIRE(second->find(2) != nullptr);
}

TEST_CASE("proxy: the view's snapshot follows every poll", "[proxy]")
{
    // Goal: a shared snapshot is never served stale: a node's new term shows
    // on the next poll.
    FakeNode node(1);
    node.set_status(status_body(1, node.address(), "leader", 4));
    ClusterView view(view_polling_every(20));
    view.learn(1, node.address(), AddressSource::registry);
    REQUIRE(eventually([&] { return view.snapshot()->term == 4; }));
    node.set_status(status_body(1, node.address(), "leader", 5));
    REQUIRE(eventually([&] { return view.snapshot()->term == 5; }));
    node.set_status(status_body(1, node.address(), "follower", 6));
    REQUIRE(eventually([&] {
        std::shared_ptr<const ClusterSnapshot> snapshot = view.snapshot();
        return snapshot->leader == 0 && snapshot->term == 6;
    }));
}

TEST_CASE("proxy: the view dates each node's last answer and keeps the date when it stops",
          "[proxy][freshness]")
{
    // Goal: the view knows when it last heard from a node, so a stale view of
    // a silent node can be told apart from a fresh one; the date survives the
    // node going unreachable, since it dates what is kept of the node.
    // Method: a node that answers, then dies; the date is read before and after.
    FakeNode node(1);
    node.set_status(status_body(1, node.address(), "leader", 4));
    ClusterView view(view_polling_every(20));
    view.learn(1, node.address(), AddressSource::registry);
    REQUIRE(view.snapshot()->find(1) != nullptr);
    REQUIRE_FALSE(view.snapshot()->find(1)->answered_at_ms.has_value());
    REQUIRE(eventually([&] { return view.snapshot()->leader == 1; }));
    REQUIRE(view.snapshot()->poll_interval_ms == 20);

    // Answered polls move the date on.
    const std::int64_t first_ms = view.snapshot()->find(1)->answered_at_ms.value();
    REQUIRE(eventually([&] { return view.snapshot()->find(1)->answered_at_ms > first_ms; }));

    node.stop();
    REQUIRE(eventually([&] { return !view.snapshot()->find(1)->reachable; }));
    const std::optional<std::int64_t> last_ms = view.snapshot()->find(1)->answered_at_ms;
    REQUIRE(last_ms.has_value());
    REQUIRE(*last_ms > first_ms);
    // Failed polls leave it where the last answer put it.
    const std::uint64_t version = view.snapshot()->version;
    REQUIRE(eventually([&] { return view.snapshot()->version > version; }));
    CHECK(view.snapshot()->find(1)->answered_at_ms == last_ms);
}
