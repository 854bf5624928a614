#include "sim/log_mirror.hpp"

#include "sim/sim_hash.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::sim {

std::uint64_t entry_hash(const raft::Entry& entry)
{
    std::uint64_t hash = hash_combine(entry.term.value, static_cast<std::uint64_t>(entry.type));
    return hash_combine(hash, hash_bytes(entry.data));
}

std::uint64_t chain_after(std::uint64_t previous_chain, const raft::Entry& entry)
{
    return hash_combine(hash_combine(previous_chain, entry.index.value), entry_hash(entry));
}

void LogMirror::reset(raft::Index base, raft::Term base_term, std::uint64_t base_chain)
{
    m_base = base;
    m_base_term = base_term;
    m_base_chain = base_chain;
    m_slots.clear();
}

std::optional<raft::Term> LogMirror::term_at(raft::Index index) const
{
    if (index == m_base) {
        return m_base_term;
    }
    if (index < m_base || index > last()) {
        return std::nullopt;
    }
    return m_slots[index.value - m_base.value - 1].term;
}

std::optional<std::uint64_t> LogMirror::chain_at(raft::Index index) const
{
    if (index == m_base) {
        return m_base_chain;
    }
    if (index < m_base || index > last()) {
        return std::nullopt;
    }
    return m_slots[index.value - m_base.value - 1].chain;
}

std::uint64_t LogMirror::append(const raft::Entry& entry)
{
    RE_ASSERT(entry.index > m_base);
    RE_ASSERT(entry.index <= raft::next(last()));
    m_slots.resize(entry.index.value - m_base.value - 1);
    const std::uint64_t previous = m_slots.empty() ? m_base_chain : m_slots.back().chain;
    const std::uint64_t chain = chain_after(previous, entry);
    m_slots.push_back(Slot{entry.term, chain});
    RE_ASSERT(last() == entry.index);
    return chain;
}

void LogMirror::compact(raft::Index index)
{
    RE_ASSERT(index >= m_base);
    RE_ASSERT(index <= last());
    if (index == m_base) {
        return;
    }
    const Slot slot = m_slots[index.value - m_base.value - 1];
    m_slots.erase(m_slots.begin(),
                  m_slots.begin() + static_cast<std::ptrdiff_t>(index.value - m_base.value));
    m_base = index;
    m_base_term = slot.term;
    m_base_chain = slot.chain;
}

} // namespace raftescort::sim
