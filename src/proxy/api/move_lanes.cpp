#include "proxy/api/move_lanes.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>

#include <chrono>
#include <cstdio>
#include <random>

namespace raftescort::proxy {

LaneLease::LaneLease(MoveLanes& lanes, std::size_t lane, std::string client_id,
                     std::uint64_t sequence)
    : m_lanes(lanes), m_lane(lane), m_client_id(std::move(client_id)), m_sequence(sequence)
{
    RE_ASSERT(m_sequence > 0);
}

LaneLease::~LaneLease() { m_lanes.release(m_lane); }

MoveLanes::MoveLanes(std::string prefix, std::size_t lane_count)
    : m_prefix(std::move(prefix)), m_busy(lane_count, false), m_sequences(lane_count, 0)
{
    RE_ASSERT(lane_count > 0);
    RE_ASSERT(m_prefix.size() <= 40);
    RE_ASSERT(escort::is_valid_client_id(m_prefix));
}

std::string MoveLanes::random_prefix()
{
    std::random_device random;
    const std::uint64_t bits = (static_cast<std::uint64_t>(random()) << 32) ^ random();
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(bits));
    return std::string("proxy-") + hex;
}

std::unique_ptr<LaneLease> MoveLanes::acquire(std::int64_t timeout_ms)
{
    std::unique_lock lock(m_mutex);
    std::size_t lane = m_busy.size();
    auto find_free = [&] {
        for (std::size_t i = 0; i < m_busy.size(); ++i) {
            if (!m_busy[i]) {
                lane = i;
                return true;
            }
        }
        return false;
    };
    if (!m_freed.wait_for(lock, std::chrono::milliseconds(timeout_ms), find_free)) {
        return nullptr;
    }
    RE_ASSERT(lane < m_busy.size());
    m_busy[lane] = true;
    const std::uint64_t sequence = ++m_sequences[lane];
    std::string client_id = m_prefix + "-" + std::to_string(lane);
    RE_ASSERT(escort::is_valid_client_id(client_id));
    return std::make_unique<LaneLease>(*this, lane, std::move(client_id), sequence);
}

void MoveLanes::release(std::size_t lane)
{
    {
        std::lock_guard lock(m_mutex);
        RE_ASSERT(lane < m_busy.size());
        RE_ASSERT(m_busy[lane]);
        m_busy[lane] = false;
    }
    m_freed.notify_one();
}

} // namespace raftescort::proxy
