#include "sim/sim_network.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::sim {

SimNetwork::SimNetwork(const NetworkOptions& options, std::uint64_t seed)
    : m_options(options), m_rng(seed)
{ }

bool SimNetwork::later(const Envelope& left, const Envelope& right)
{
    if (left.deliver_tick != right.deliver_tick) {
        return left.deliver_tick > right.deliver_tick;
    }
    return left.sequence > right.sequence;
}

std::uint64_t SimNetwork::draw_delay_ticks()
{
    const std::uint32_t low = std::max<std::uint32_t>(1, m_options.delay_ticks_min);
    const std::uint32_t high = std::max(low, m_options.delay_ticks_max);
    if (m_options.long_delay_probability > 0.0 && m_rng.chance(m_options.long_delay_probability)) {
        return m_rng.between(high, std::max(high, m_options.long_delay_ticks_max));
    }
    return m_rng.between(low, high);
}

void SimNetwork::send(const raft::Message& message, std::uint64_t now)
{
    ++m_stats.sent;
    if (blocked(message.from, message.to)) {
        ++m_stats.dropped_partition;
        return;
    }
    if (m_rng.chance(m_options.drop_probability)) {
        ++m_stats.dropped_random;
        return;
    }
    enqueue(message, now + draw_delay_ticks());
    if (m_rng.chance(m_options.duplicate_probability)) {
        ++m_stats.duplicated;
        enqueue(message, now + draw_delay_ticks());
    }
}

void SimNetwork::enqueue(const raft::Message& message, std::uint64_t deliver_tick)
{
    // A bounded queue per link, as a real sender buffer would be.
    std::size_t& in_flight = m_link_in_flight[Link{message.from, message.to}];
    if (in_flight >= m_options.link_queue_max) {
        ++m_stats.dropped_queue_full;
        return;
    }
    ++in_flight;
    m_queue.push_back(Envelope{deliver_tick, m_next_sequence++, message});
    std::push_heap(m_queue.begin(), m_queue.end(), later);
}

std::optional<raft::Message> SimNetwork::pop_due(std::uint64_t now)
{
    while (!m_queue.empty() && m_queue.front().deliver_tick <= now) {
        std::pop_heap(m_queue.begin(), m_queue.end(), later);
        raft::Message message = std::move(m_queue.back().message);
        m_queue.pop_back();
        std::size_t& in_flight = m_link_in_flight[Link{message.from, message.to}];
        RE_ASSERT(in_flight > 0);
        --in_flight;
        // A link cut while the message was in flight loses it.
        if (blocked(message.from, message.to)) {
            ++m_stats.dropped_partition;
            continue;
        }
        ++m_stats.delivered;
        return message;
    }
    return std::nullopt;
}

void SimNetwork::hold(raft::Message message)
{
    --m_stats.delivered;
    ++m_link_in_flight[Link{message.from, message.to}];
    m_held[message.to].push_back(std::move(message));
}

void SimNetwork::release(raft::NodeId node, std::uint64_t now)
{
    auto held = m_held.find(node);
    if (held == m_held.end()) {
        return;
    }
    std::vector<raft::Message> messages = std::move(held->second);
    m_held.erase(held);
    for (raft::Message& message : messages) {
        // Held messages stay counted against their link, so they bypass the bound here.
        m_queue.push_back(Envelope{now + 1, m_next_sequence++, std::move(message)});
        std::push_heap(m_queue.begin(), m_queue.end(), later);
    }
}

void SimNetwork::block(raft::NodeId from, raft::NodeId to) { m_blocked.insert(Link{from, to}); }

void SimNetwork::unblock(raft::NodeId from, raft::NodeId to) { m_blocked.erase(Link{from, to}); }

void SimNetwork::isolate(raft::NodeId node, const std::vector<raft::NodeId>& nodes)
{
    for (raft::NodeId other : nodes) {
        if (other != node) {
            block(node, other);
            block(other, node);
        }
    }
}

void SimNetwork::reconnect(raft::NodeId node, const std::vector<raft::NodeId>& nodes)
{
    for (raft::NodeId other : nodes) {
        unblock(node, other);
        unblock(other, node);
    }
}

void SimNetwork::set_connected(raft::NodeId node, bool connected)
{
    if (connected) {
        m_disconnected.erase(node);
    } else {
        m_disconnected.insert(node);
    }
}

bool SimNetwork::blocked(raft::NodeId from, raft::NodeId to) const
{
    if (!m_disconnected.empty()
        && (m_disconnected.count(from) > 0 || m_disconnected.count(to) > 0)) {
        return true;
    }
    return !m_blocked.empty() && m_blocked.count(Link{from, to}) > 0;
}

} // namespace raftescort::sim
