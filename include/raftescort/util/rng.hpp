#pragma once

// A small, seeded, portable generator (splitmix64). The Raft core and the
// simulator draw every random number from one of these, so a seed replays a
// run exactly on any platform; <random> engines' distributions are not
// portable across standard libraries.

#include <raftescort/util/assert.hpp>

#include <cstdint>

namespace raftescort::util {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) { }

    std::uint64_t next()
    {
        m_state += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = m_state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    /// A number in [0, bound). The bound must be positive.
    std::uint64_t uniform(std::uint64_t bound)
    {
        RE_ASSERT(bound > 0);
        return next() % bound;
    }

    /// A number in [low, high], inclusive.
    std::uint64_t between(std::uint64_t low, std::uint64_t high)
    {
        RE_ASSERT(low <= high);
        return low + uniform(high - low + 1);
    }

    /// True with the given probability (0.0 .. 1.0).
    bool chance(double probability)
    {
        if (probability <= 0.0) {
            return false;
        }
        return static_cast<double>(next() >> 11) * 0x1.0p-53 < probability;
    }

private:
    std::uint64_t m_state;
};

} // namespace raftescort::util
