#pragma once

// Time for the integration tests: a monotonic clock and bounded polling.
//
// A test never sleeps as an assertion ("wait 2 s, then the leader must be
// there"): it polls the condition until a deadline and fails with what it
// saw last. Sleeps appear only between polls and as the length of a fault
// (how long a node stays paused).

#include <raftescort/transport/clock.hpp>

#include <chrono>
#include <cstdint>
#include <thread>

namespace raftescort::integration {

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

/// Whole milliseconds since `start`.
inline std::int64_t milliseconds_since(Clock::time_point start)
{
    return std::chrono::duration_cast<Milliseconds>(Clock::now() - start).count();
}

/// The registry's `now_ms` in tests is the edges' monotonic clock.
using transport::monotonic_ms;

/// Calls `predicate` until it returns true or `timeout` has passed, sleeping
/// `interval` between calls. Returns whether it became true. The predicate
/// runs at least once, and once more after the deadline is seen, so a
/// condition that turned true during the last sleep is not missed.
template <typename Predicate>
bool poll_until(Milliseconds timeout, Predicate&& predicate,
                Milliseconds interval = Milliseconds(10))
{
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const bool late = Clock::now() >= deadline;
        if (predicate()) {
            return true;
        }
        if (late) {
            return false;
        }
        std::this_thread::sleep_for(interval);
    }
}

} // namespace raftescort::integration
