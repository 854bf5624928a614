#pragma once

// The proxy's two clocks: a monotonic one for intervals, deadlines and the
// registry's `now_ms` (which only compares values with each other), and the
// wall clock for timestamps people read.

#include <chrono>
#include <cstdint>

namespace raftescort::proxy {

/// Milliseconds on the steady clock; meaningful only as differences.
inline std::int64_t monotonic_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Milliseconds since the Unix epoch.
inline std::int64_t wall_clock_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace raftescort::proxy
