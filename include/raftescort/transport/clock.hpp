#pragma once

// The two clocks of the edges (node and proxy); the core never reads a clock,
// it is ticked. The monotonic one is for intervals, deadlines and the
// registry's `now_ms` (which only compares values with each other); the wall
// clock is for timestamps people read.

#include <chrono>
#include <cstdint>

namespace raftescort::transport {

/// Milliseconds on the steady clock; meaningful only as differences.
inline std::int64_t monotonic_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Milliseconds since the Unix epoch, for record and event timestamps.
inline std::int64_t wall_clock_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace raftescort::transport
