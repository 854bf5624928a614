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
