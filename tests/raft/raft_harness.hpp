#pragma once

// A minimal, fault-free driver for unit tests of RaftNode: it carries out
// every Ready exactly by the contract (persist, send, apply, advance) and
// delivers messages by hand. The chaos simulator lives in tests/sim.

#include <raftescort/raft/raft_node.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace raftescort::raft::testing {

struct Durable {
    HardState hard_state;
    std::optional<Snapshot> snapshot;
    std::vector<Entry> entries;
    ConfState initial_conf;
};

class Harness {
public:
    /// Nodes 1..voters, all voters; `tweak` adjusts each node's Config.
    explicit Harness(std::uint64_t voters, std::function<void(Config&)> tweak = {})
        : m_tweak(std::move(tweak))
    {
        ConfState conf;
        for (std::uint64_t id = 1; id <= voters; ++id) {
            conf.voters.insert(NodeId{id});
        }
        for (std::uint64_t id = 1; id <= voters; ++id) {
            m_durable[NodeId{id}].initial_conf = conf;
            start(NodeId{id});
        }
    }

    Config config_for(NodeId id) const
    {
        Config config;
        config.id = id;
        config.election_ticks = 10;
        config.heartbeat_ticks = 1;
        config.seed = 42;
        if (m_tweak) {
            m_tweak(config);
        }
        return config;
    }

    /// Starts (or restarts) a node from its durable state.
    void start(NodeId id, std::optional<ConfState> initial_conf = std::nullopt)
    {
        Durable& durable = m_durable[id];
        if (initial_conf) {
            durable.initial_conf = *initial_conf;
        }
        PersistedState state{durable.hard_state, durable.snapshot, durable.entries,
                             durable.initial_conf, Index{0}};
        if (durable.snapshot) {
            state.applied = durable.snapshot->metadata.index;
        }
        m_nodes[id] = std::make_unique<RaftNode>(config_for(id), std::move(state));
        m_applied[id].clear();
        m_crashed.erase(id);
    }

    void crash(NodeId id)
    {
        m_nodes.erase(id);
        m_crashed.insert(id);
    }

    RaftNode& node(NodeId id) { return *m_nodes.at(id); }
    RaftNode& node(std::uint64_t id) { return node(NodeId{id}); }
    const std::vector<Entry>& applied(std::uint64_t id) { return m_applied[NodeId{id}]; }
    Durable& durable(std::uint64_t id) { return m_durable[NodeId{id}]; }

    /// Carries out every node's Ready; messages are queued, not delivered.
    void process_readies()
    {
        for (auto& [id, node] : m_nodes) {
            while (node->has_ready()) {
                Ready ready = node->ready();
                // Early messages leave before the write (ready.hpp, step 0).
                for (Message& message : ready.early_messages) {
                    m_sent.push_back(message);
                    m_queue.push_back(std::move(message));
                }
                persist(id, ready);
                for (Message& message : ready.messages) {
                    m_sent.push_back(message);
                    m_queue.push_back(std::move(message));
                }
                for (const Entry& entry : ready.committed_entries) {
                    m_applied[id].push_back(entry);
                }
                for (const ReadState& read : ready.read_states) {
                    m_read_states[id].push_back(read);
                }
                node->advance(ready);
            }
        }
    }

    /// Delivers queued messages until none are left (bounded).
    void stabilize(std::size_t rounds_max = 10000)
    {
        process_readies();
        for (std::size_t round = 0; round < rounds_max && !m_queue.empty(); ++round) {
            deliver_one();
            process_readies();
        }
    }

    void deliver_one()
    {
        Message message = std::move(m_queue.front());
        m_queue.pop_front();
        if (m_cut.count({message.from, message.to}) > 0 || m_nodes.count(message.to) == 0) {
            return;
        }
        if (m_filter && !m_filter(message)) {
            return;
        }
        m_nodes.at(message.to)->step(message);
    }

    void tick_all(std::size_t ticks = 1)
    {
        for (std::size_t i = 0; i < ticks; ++i) {
            for (auto& [id, node] : m_nodes) {
                node->tick();
            }
            stabilize();
        }
    }

    /// Ticks until some node leads (bounded); returns it.
    NodeId elect(std::size_t ticks_max = 200)
    {
        for (std::size_t i = 0; i < ticks_max; ++i) {
            tick_all();
            NodeId leader = current_leader();
            if (leader != k_no_node) {
                return leader;
            }
        }
        return k_no_node;
    }

    NodeId current_leader() const
    {
        NodeId leader = k_no_node;
        Term best{0};
        for (const auto& [id, node] : m_nodes) {
            if (node->role() == Role::leader && node->term() >= best) {
                leader = id;
                best = node->term();
            }
        }
        return leader;
    }

    /// Cuts both directions between a and b.
    void cut(NodeId a, NodeId b)
    {
        m_cut.insert({a, b});
        m_cut.insert({b, a});
    }
    void isolate(NodeId id)
    {
        for (const auto& [other, durable] : m_durable) {
            if (other != id) {
                cut(id, other);
            }
        }
    }
    void heal() { m_cut.clear(); }

    std::deque<Message>& queue() { return m_queue; }
    std::vector<Message>& sent() { return m_sent; }
    std::map<NodeId, std::vector<ReadState>>& read_states() { return m_read_states; }
    void set_filter(std::function<bool(const Message&)> filter) { m_filter = std::move(filter); }

private:
    void persist(NodeId id, const Ready& ready)
    {
        Durable& durable = m_durable[id];
        if (ready.snapshot) {
            durable.snapshot = ready.snapshot;
            durable.entries.clear();
        }
        for (const Entry& entry : ready.entries) {
            while (!durable.entries.empty() && durable.entries.back().index >= entry.index) {
                durable.entries.pop_back();
            }
            durable.entries.push_back(entry);
        }
        if (ready.hard_state) {
            durable.hard_state = *ready.hard_state;
        }
    }

    std::function<void(Config&)> m_tweak;
    std::map<NodeId, std::unique_ptr<RaftNode>> m_nodes;
    std::map<NodeId, Durable> m_durable;
    std::map<NodeId, std::vector<Entry>> m_applied;
    std::map<NodeId, std::vector<ReadState>> m_read_states;
    std::set<NodeId> m_crashed;
    std::deque<Message> m_queue;
    std::vector<Message> m_sent;
    std::set<std::pair<NodeId, NodeId>> m_cut;
    std::function<bool(const Message&)> m_filter;
};

} // namespace raftescort::raft::testing
