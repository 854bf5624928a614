#pragma once

// One random simulation run per seed: a chaos phase with the seed's faults,
// clients and the mission autopilot, then a heal phase that lifts every
// fault and demands convergence within a tick budget, then the end checks
// (every acknowledged move applied exactly once).

#include "sim/sim_options.hpp"

#include <cstdint>
#include <ostream>
#include <string>

namespace raftescort::sim {

struct RunResult {
    std::uint64_t seed = 0;
    bool passed = false;
    /// The first violated invariant, one line; empty when passed.
    std::string failure;
    std::uint64_t ticks = 0;
    std::uint64_t events = 0;
    std::uint64_t acks = 0;
    /// Runtime flips of a node's pre-vote and check-quorum the chaos made.
    std::uint64_t protocol_flips = 0;
};

/// What the runner adds to the seed's own options.
struct RunSettings {
    /// Deliberate bugs to switch on (normally none).
    SimMutations mutations;
    /// When set, the options and a readable event trace go here.
    std::ostream* trace = nullptr;
};

RunResult run_seed(std::uint64_t seed, const RunSettings& settings);

} // namespace raftescort::sim
