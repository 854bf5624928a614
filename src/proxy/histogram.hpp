#pragma once

// A Prometheus-style histogram: fixed upper bounds, cumulative counts, a sum.
// Thread-safe; observe() is a few comparisons under a mutex.

#include <cstdint>
#include <mutex>
#include <vector>

namespace raftescort::proxy {

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
    explicit Histogram(std::vector<double> bounds);

    void observe(double value);
    HistogramSnapshot snapshot() const;

    /// Bounds for request latencies in seconds, 0.5 ms to 10 s.
    static std::vector<double> latency_bounds_seconds();

private:
    const std::vector<double> m_bounds;
    mutable std::mutex m_mutex;
    /// Per-bucket (not cumulative) counts; the last one is +Inf.
    std::vector<std::uint64_t> m_counts;
    double m_sum = 0;
};

} // namespace raftescort::proxy
