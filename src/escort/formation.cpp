// The formation: which slot each roster node holds and where that puts it.
// Slots are handed out by rule (never by arrival order at one node), so every
// node computes the same formation from the same entries.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace raftescort::escort {

Point Escort::slot_offset(std::uint32_t slot)
{
    if (slot == 0) {
        return Point{0, 0};
    }
    // Rows widen behind the lead: slots 1 and 2 form row 1, slots 3 and 4 row 2, ...
    std::int64_t row = (static_cast<std::int64_t>(slot) + 1) / 2;
    RE_ASSERT(row >= 1);
    bool left = slot % 2 == 1;
    Point offset{-row, left ? row : -row};
    RE_ASSERT(offset.x < 0);
    return offset;
}

std::optional<Point> Escort::position_of(raft::NodeId node) const
{
    auto found = m_roster.find(node);
    if (found == m_roster.end()) {
        return std::nullopt;
    }
    Point offset = slot_offset(found->second);
    // Bounded: the lead point is within k_coordinate_max and a slot offset within 2^31.
    RE_ASSERT(m_lead_point.x >= -k_coordinate_max && m_lead_point.x <= k_coordinate_max);
    RE_ASSERT(m_lead_point.y >= -k_coordinate_max && m_lead_point.y <= k_coordinate_max);
    return Point{m_lead_point.x + offset.x, m_lead_point.y + offset.y};
}

std::uint32_t Escort::smallest_free_slot() const
{
    // Slot 0 belongs to the lead unit only, so the search starts at 1. Among
    // n nodes some slot in 1..n+1 is free, which bounds the table below.
    std::vector<bool> taken(m_roster.size() + 2, false);
    for (const auto& [node, slot] : m_roster) {
        if (slot < taken.size()) {
            taken[slot] = true;
        }
    }
    for (std::uint32_t slot = 1; slot < taken.size(); ++slot) {
        if (!taken[slot]) {
            return slot;
        }
    }
    RE_ASSERT(false);
    return 0;
}

void Escort::add_to_roster(raft::NodeId node)
{
    RE_ASSERT(node != raft::k_no_node);
    if (m_roster.count(node) > 0) {
        return;
    }
    std::uint32_t slot = smallest_free_slot();
    RE_ASSERT(slot >= 1);
    m_roster.emplace(node, slot);
    RE_ASSERT(m_roster.count(node) == 1);
}

void Escort::remove_from_roster(raft::NodeId node)
{
    RE_ASSERT(node != raft::k_no_node);
    if (m_roster.erase(node) == 0) {
        return;
    }
    // The convoy keeps its lead point but has no lead unit until the next
    // leader's take_lead entry; slot 0 stays empty meanwhile.
    if (m_lead_unit == node) {
        m_lead_unit = raft::k_no_node;
    }
    RE_ASSERT(m_lead_unit != node);
    RE_ASSERT(m_roster.count(node) == 0);
}

void Escort::take_lead(raft::NodeId node)
{
    RE_ASSERT(node != raft::k_no_node);
    if (m_lead_unit == node) {
        RE_ASSERT(m_roster.at(node) == 0);
        return;
    }
    raft::NodeId previous = m_lead_unit;
    auto found = m_roster.find(node);
    if (found != m_roster.end()) {
        // Swap: the previous lead unit drops into the slot the new one leaves, so no
        // other node moves and the formation only exchanges two positions.
        std::uint32_t vacated = found->second;
        RE_ASSERT(vacated != 0);
        found->second = 0;
        if (previous != raft::k_no_node) {
            m_roster.at(previous) = vacated;
        }
    } else {
        // A leader that is not (yet) on the roster: it takes slot 0 and the
        // previous lead unit falls back to the first free slot.
        if (previous != raft::k_no_node) {
            m_roster.at(previous) = smallest_free_slot();
        }
        m_roster.emplace(node, 0);
    }
    m_lead_unit = node;
    RE_ASSERT(m_roster.at(node) == 0);
    if (previous != raft::k_no_node) {
        RE_ASSERT(m_roster.at(previous) != 0);
    }
}

} // namespace raftescort::escort
