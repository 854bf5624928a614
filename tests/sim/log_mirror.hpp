#pragma once

// LogMirror: the checker's copy of one node's stored log, reduced to
// (term, chain hash) per index. chain[i] hashes entry i together with
// chain[i-1], so two equal chains at an index prove equal prefixes in O(1)
// (the hash chain TigerBeetle uses for the same purpose).

#include <raftescort/raft/types.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace raftescort::sim {

/// The hash of one entry alone (term, type, data).
std::uint64_t entry_hash(const raft::Entry& entry);
/// The chain hash after `entry`, given the chain hash before it.
std::uint64_t chain_after(std::uint64_t previous_chain, const raft::Entry& entry);

class LogMirror {
public:
    struct Slot {
        raft::Term term;
        std::uint64_t chain = 0;
    };

    /// Empty log whose prefix up to `base` is a snapshot with `base_chain`.
    void reset(raft::Index base, raft::Term base_term, std::uint64_t base_chain);

    raft::Index base() const { return m_base; }
    raft::Index last() const { return raft::Index{m_base.value + m_slots.size()}; }
    /// Term at `index` (the base included), if the mirror covers it.
    std::optional<raft::Term> term_at(raft::Index index) const;
    std::optional<std::uint64_t> chain_at(raft::Index index) const;

    /// Stores `entry`, dropping any slot at or after its index first. The
    /// entry must land at most one past the end. Returns its chain hash.
    std::uint64_t append(const raft::Entry& entry);
    /// Compaction: the prefix up to `index` (which must be covered) becomes the base.
    void compact(raft::Index index);

private:
    raft::Index m_base;
    raft::Term m_base_term;
    std::uint64_t m_base_chain = 0;
    std::vector<Slot> m_slots;
};

} // namespace raftescort::sim
