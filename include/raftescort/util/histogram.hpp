#pragma once

// The one histogram of the project, in the Prometheus style: fixed upper
// bounds, a count per bucket, cumulative counts on the way out, a sum. It is
// not thread-safe: one owner observes and publishes copies or snapshots, and
// an owner shared between threads (the proxy's metrics) holds its own mutex
// around it.

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

namespace raftescort::util {

/// Upper bounds in seconds for storage latencies (a durable save: its writes
/// and its fsync; a commit), 100 µs to 1 s.
inline constexpr std::array<double, 13> k_storage_latency_bounds_seconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

/// Upper bounds in seconds for request latencies (a move forwarded by the
/// proxy, from arrival to answer), 0.5 ms to 10 s.
inline constexpr std::array<double, 14> k_request_latency_bounds_seconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/// A histogram's numbers at one moment, cumulative as Prometheus shows them.
struct HistogramSnapshot {
    /// Upper bounds, increasing; the +Inf bucket is implied (its count is `count`).
    std::vector<double> bounds;
    /// cumulative[i] = observations <= bounds[i].
    std::vector<std::uint64_t> cumulative;
    std::uint64_t count = 0;
    double sum = 0;
};

class Histogram {
public:
    /// `bounds` must be non-empty and strictly increasing.
    explicit Histogram(std::span<const double> bounds)
        : m_bounds(bounds.begin(), bounds.end()), m_counts(m_bounds.size() + 1, 0)
    {
        RE_ASSERT(!m_bounds.empty());
        RE_ASSERT(std::adjacent_find(m_bounds.begin(), m_bounds.end(), std::greater_equal<>())
                  == m_bounds.end());
    }
    explicit Histogram(std::initializer_list<double> bounds)
        : Histogram(std::span<const double>(bounds.begin(), bounds.size()))
    { }

    /// Counts `value` in the first bucket whose bound is >= it ("le" is
    /// inclusive); past the last bound it goes to +Inf.
    void observe(double value)
    {
        const auto bucket = static_cast<std::size_t>(
            std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin());
        RE_ASSERT(bucket < m_counts.size());
        ++m_counts[bucket];
        ++m_count;
        m_sum += value;
    }

    const std::vector<double>& bounds() const { return m_bounds; }
    /// Observations <= bounds()[bucket]; bucket >= bounds().size() is +Inf (all of them).
    std::uint64_t cumulative_count(std::size_t bucket) const
    {
        std::uint64_t total = 0;
        for (std::size_t i = 0; i <= bucket && i < m_counts.size(); ++i) {
            total += m_counts[i];
        }
        return total;
    }
    std::uint64_t count() const { return m_count; }
    double sum() const { return m_sum; }

    HistogramSnapshot snapshot() const
    {
        HistogramSnapshot snapshot;
        snapshot.bounds = m_bounds;
        std::uint64_t running = 0;
        for (std::size_t i = 0; i < m_bounds.size(); ++i) {
            running += m_counts[i];
            snapshot.cumulative.push_back(running);
        }
        snapshot.count = running + m_counts.back();
        RE_ASSERT(snapshot.count == m_count);
        snapshot.sum = m_sum;
        return snapshot;
    }

private:
    std::vector<double> m_bounds;
    /// Per-bucket (not cumulative) counts; the last one is +Inf.
    std::vector<std::uint64_t> m_counts;
    std::uint64_t m_count = 0;
    double m_sum = 0;
};

} // namespace raftescort::util
