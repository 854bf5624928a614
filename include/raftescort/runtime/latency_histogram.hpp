#pragma once

// A fixed-bucket latency histogram in the Prometheus style (cumulative
// counts per upper bound). Buckets span 100 µs to 1 s, where fsyncs and
// commits live; slower samples fall in the +Inf bucket. Not thread-safe:
// one owner records, and copies are published.

#include <array>
#include <cstddef>
#include <cstdint>

namespace raftescort::runtime {

class LatencyHistogram {
public:
    /// Upper bounds of the buckets, in seconds (the last bucket is +Inf).
    static constexpr std::array<double, 13> k_bounds_seconds = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

    void record(double seconds)
    {
        std::size_t bucket = 0;
        while (bucket < k_bounds_seconds.size() && seconds > k_bounds_seconds[bucket]) {
            ++bucket;
        }
        ++m_counts[bucket];
        ++m_count;
        m_sum_seconds += seconds;
    }

    /// Samples at or below k_bounds_seconds[bucket]; bucket == size() is +Inf.
    std::uint64_t cumulative_count(std::size_t bucket) const
    {
        std::uint64_t total = 0;
        for (std::size_t i = 0; i <= bucket && i < m_counts.size(); ++i) {
            total += m_counts[i];
        }
        return total;
    }
    std::uint64_t count() const { return m_count; }
    double sum_seconds() const { return m_sum_seconds; }

private:
    std::array<std::uint64_t, k_bounds_seconds.size() + 1> m_counts{};
    std::uint64_t m_count = 0;
    double m_sum_seconds = 0;
};

} // namespace raftescort::runtime
