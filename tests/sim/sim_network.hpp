#pragma once

// SimNetwork: messages in flight between simulated nodes. Each message gets
// a delivery tick when it is sent (drop, duplicate, delay and so reordering
// are decided then); partitions are a set of blocked directed links, checked
// both when a message is sent and when it is delivered.

#include "sim/sim_options.hpp"

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace raftescort::sim {

struct NetworkStats {
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t dropped_random = 0;
    std::uint64_t dropped_partition = 0;
    std::uint64_t dropped_queue_full = 0;
    /// Addressed to a crashed, stopped or unknown node.
    std::uint64_t dropped_unreachable = 0;
};

using Link = std::pair<raft::NodeId, raft::NodeId>;

class SimNetwork {
public:
    SimNetwork(const NetworkOptions& options, std::uint64_t seed);

    const NetworkOptions& options() const { return m_options; }
    void set_options(const NetworkOptions& options) { m_options = options; }

    /// Sends `message` at tick `now`; it arrives at `now` + delay (>= 1) unless dropped.
    void send(const raft::Message& message, std::uint64_t now);

    /// Removes and returns the next message due at or before `now`, in
    /// (delivery tick, send order) order, skipping (and counting) messages on
    /// blocked links. The caller decides what to do if the target cannot
    /// take it (hold() or drop_unreachable()).
    std::optional<raft::Message> pop_due(std::uint64_t now);
    /// Keeps a message for a paused node until release().
    void hold(raft::Message message);
    /// Puts every held message for `node` back in flight, due at `now` + 1.
    void release(raft::NodeId node, std::uint64_t now);
    /// Counts a message the caller could not deliver.
    void drop_unreachable() { ++m_stats.dropped_unreachable; }

    void block(raft::NodeId from, raft::NodeId to);
    void unblock(raft::NodeId from, raft::NodeId to);
    /// Blocks (unblocks) every link to and from `node` among `nodes`.
    void isolate(raft::NodeId node, const std::vector<raft::NodeId>& nodes);
    void reconnect(raft::NodeId node, const std::vector<raft::NodeId>& nodes);
    void clear_blocks() { m_blocked.clear(); }
    /// 6.824's connect/disconnect: a disconnected node's links are all cut,
    /// independently of the blocked-link set used for partitions.
    void set_connected(raft::NodeId node, bool connected);
    bool connected(raft::NodeId node) const { return m_disconnected.count(node) == 0; }
    void connect_all() { m_disconnected.clear(); }
    bool blocked(raft::NodeId from, raft::NodeId to) const;
    const std::set<Link>& blocked_links() const { return m_blocked; }

    std::size_t in_flight() const { return m_queue.size(); }
    const NetworkStats& stats() const { return m_stats; }

private:
    struct Envelope {
        std::uint64_t deliver_tick = 0;
        std::uint64_t sequence = 0;
        raft::Message message;
    };
    /// Min-heap order on (deliver_tick, sequence).
    static bool later(const Envelope& left, const Envelope& right);

    void enqueue(const raft::Message& message, std::uint64_t deliver_tick);
    std::uint64_t draw_delay_ticks();

    NetworkOptions m_options;
    util::Rng m_rng;
    std::vector<Envelope> m_queue;
    std::uint64_t m_next_sequence = 0;
    std::map<Link, std::size_t> m_link_in_flight;
    std::map<raft::NodeId, std::vector<raft::Message>> m_held;
    std::set<Link> m_blocked;
    std::set<raft::NodeId> m_disconnected;
    NetworkStats m_stats;
};

} // namespace raftescort::sim
