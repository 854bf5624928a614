#include "proxy/histogram.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>

namespace raftescort::proxy {

Histogram::Histogram(std::vector<double> bounds)
    : m_bounds(std::move(bounds)), m_counts(m_bounds.size() + 1, 0)
{
    RE_ASSERT(!m_bounds.empty());
    RE_ASSERT(std::adjacent_find(m_bounds.begin(), m_bounds.end(), std::greater_equal<>())
              == m_bounds.end());
}

void Histogram::observe(double value)
{
    // The first bound >= value is the bucket ("le" is inclusive).
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin());
    std::lock_guard lock(m_mutex);
    RE_ASSERT(bucket < m_counts.size());
    ++m_counts[bucket];
    m_sum += value;
}

HistogramSnapshot Histogram::snapshot() const
{
    HistogramSnapshot snapshot;
    snapshot.bounds = m_bounds;
    std::lock_guard lock(m_mutex);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < m_bounds.size(); ++i) {
        running += m_counts[i];
        snapshot.cumulative.push_back(running);
    }
    snapshot.count = running + m_counts.back();
    snapshot.sum = m_sum;
    return snapshot;
}

std::vector<double> Histogram::latency_bounds_seconds()
{
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

} // namespace raftescort::proxy
