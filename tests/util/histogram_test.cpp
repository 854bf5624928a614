// Unit tests of the one histogram (util/histogram.hpp), which the node uses
// for its fsync latencies and the proxy for its move commit latencies.

#include <raftescort/util/histogram.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using raftescort::util::Histogram;
using raftescort::util::HistogramSnapshot;
using raftescort::util::k_request_latency_bounds_seconds;
using raftescort::util::k_storage_latency_bounds_seconds;

TEST_CASE("a histogram counts each bound inclusively and the rest as +Inf", "[util][histogram]")
{
    // Goal: "le" means <=, as Prometheus reads it. Method: one value below, one
    // on and one past the bounds, then read the snapshot the proxy renders.
    Histogram histogram({0.001, 0.01});
    histogram.observe(0.0005);
    histogram.observe(0.001);
    histogram.observe(0.5);
    HistogramSnapshot snapshot = histogram.snapshot();
    CHECK(snapshot.bounds == std::vector<double>{0.001, 0.01});
    CHECK(snapshot.cumulative == std::vector<std::uint64_t>{2, 2});
    CHECK(snapshot.count == 3);
    CHECK(snapshot.sum == 0.0005 + 0.001 + 0.5);
    CHECK(histogram.count() == 3);
    CHECK(histogram.sum() == snapshot.sum);
}

TEST_CASE("a histogram's cumulative counts never decrease and end at the count",
          "[util][histogram]")
{
    // Goal: cumulative_count() (the node's /status) and snapshot() (the
    // proxy's /metrics) agree. Method: samples in several buckets, on a bound
    // and past the last bound.
    Histogram histogram(k_storage_latency_bounds_seconds);
    for (double seconds : {0.00005, 0.0001, 0.0003, 0.003, 0.003, 0.9, 1.0, 2.0, 30.0}) {
        histogram.observe(seconds);
    }
    const std::size_t bounds = k_storage_latency_bounds_seconds.size();
    CHECK(histogram.cumulative_count(0) == 2);
    CHECK(histogram.cumulative_count(2) == 3);
    CHECK(histogram.cumulative_count(5) == 5);
    CHECK(histogram.cumulative_count(bounds - 1) == 7);
    CHECK(histogram.cumulative_count(bounds) == 9);
    CHECK(histogram.cumulative_count(bounds + 5) == 9);
    CHECK(histogram.count() == 9);
    HistogramSnapshot snapshot = histogram.snapshot();
    REQUIRE(snapshot.cumulative.size() == bounds);
    for (std::size_t bucket = 0; bucket < bounds; ++bucket) {
        INFO("bucket " << bucket);
        CHECK(snapshot.cumulative[bucket] == histogram.cumulative_count(bucket));
        if (bucket > 0) {
            CHECK(snapshot.cumulative[bucket] >= snapshot.cumulative[bucket - 1]);
        }
    }
    CHECK(snapshot.count == histogram.count());
}

TEST_CASE("an empty histogram has every bucket at zero", "[util][histogram]")
{
    // Goal: a node that has not saved yet still publishes all its buckets.
    Histogram histogram(k_storage_latency_bounds_seconds);
    HistogramSnapshot snapshot = histogram.snapshot();
    CHECK(snapshot.bounds.size() == k_storage_latency_bounds_seconds.size());
    CHECK(snapshot.cumulative == std::vector<std::uint64_t>(snapshot.bounds.size(), 0));
    CHECK(snapshot.count == 0);
    CHECK(snapshot.sum == 0);
    CHECK(histogram.cumulative_count(snapshot.bounds.size()) == 0);
}

TEST_CASE("a copied histogram is a frozen picture of the original", "[util][histogram]")
{
    // Goal: the node loop publishes copies; later samples must not show in them.
    Histogram original(k_storage_latency_bounds_seconds);
    original.observe(0.002);
    Histogram copy(k_storage_latency_bounds_seconds);
    copy = original;
    original.observe(0.002);
    CHECK(copy.count() == 1);
    CHECK(original.count() == 2);
    CHECK(copy.bounds() == original.bounds());
}

TEST_CASE("the named bound sets span the latencies they are for", "[util][histogram]")
{
    // Goal: the published bucket bounds stay the ones dashboards already use:
    // 13 storage buckets from 100 us to 1 s, 14 request buckets from 0.5 ms to 10 s.
    CHECK(k_storage_latency_bounds_seconds.size() == 13);
    CHECK(k_storage_latency_bounds_seconds.front() == 0.0001);
    CHECK(k_storage_latency_bounds_seconds.back() == 1.0);
    CHECK(k_request_latency_bounds_seconds.size() == 14);
    CHECK(k_request_latency_bounds_seconds.front() == 0.0005);
    CHECK(k_request_latency_bounds_seconds.back() == 10.0);
    // Both must be accepted by the constructor (non-empty, strictly increasing).
    CHECK(Histogram(k_storage_latency_bounds_seconds).bounds().size() == 13);
    CHECK(Histogram(k_request_latency_bounds_seconds).bounds().size() == 14);
}
