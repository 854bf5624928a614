#pragma once

// ServedRead: the answer a node gave to a linearizable read (Raft §8
// ReadIndex). Shared by SimNode, which serves reads, the Checker, which
// judges them, and the clients, which wait for them.

#include <raftescort/escort/escort.hpp>
#include <raftescort/raft/types.hpp>

#include <cstdint>

namespace raftescort::sim {

struct ServedRead {
    std::uint64_t request_id = 0;
    /// The read index the core confirmed (ReadState::index).
    raft::Index read_index;
    /// The node's applied index when it answered (>= read_index).
    raft::Index applied;
    /// The escort state the client gets back: the lead point, and the hash of
    /// the whole state for the checker.
    escort::Point lead;
    std::uint64_t state_hash = 0;
};

} // namespace raftescort::sim
