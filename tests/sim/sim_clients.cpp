#include "sim/sim_clients.hpp"

#include <raftescort/util/assert.hpp>

#include <cstdint>

namespace raftescort::sim {

SimClients::SimClients(const ClientOptions& options, std::uint64_t seed)
    : m_options(options), m_rng(seed)
{
    RE_ASSERT(options.timeout_ticks > 0);
    // Client 0 starts the mission; the others move the convoy.
    m_clients.resize(options.client_count + 1);
    Client& mission = m_clients[0];
    mission.command.kind = escort::CommandKind::mission;
    mission.command.target = escort::Point{100, 0};
    mission.command.running = true;
    mission.command.client_id = "mission";
    mission.command.sequence = 1;
    mission.has_request = true;
    mission.next_attempt_tick = 5;
    for (std::size_t i = 1; i < m_clients.size(); ++i) {
        m_clients[i].command.kind = escort::CommandKind::move;
        m_clients[i].command.client_id = "c" + std::to_string(i);
        m_clients[i].next_attempt_tick = m_rng.between(1, 20);
    }
}

void SimClients::attach(SimCluster& cluster)
{
    cluster.set_apply_observer(
        [this, &cluster](raft::NodeId node, const raft::Entry& entry, const escort::ApplyResult&) {
            on_applied(cluster, node, entry);
        });
}

bool SimClients::idle() const
{
    for (const Client& client : m_clients) {
        if (client.has_request) {
            return false;
        }
    }
    return true;
}

void SimClients::next_request(std::size_t index)
{
    Client& client = m_clients[index];
    client.command.dx = static_cast<std::int64_t>(m_rng.uniform(5)) - 2;
    client.command.dy = static_cast<std::int64_t>(m_rng.uniform(5)) - 2;
    ++client.command.sequence;
    client.has_request = true;
}

raft::NodeId SimClients::choose_node(SimCluster& cluster, const Client& client)
{
    if (client.believed_leader != raft::k_no_node && cluster.node(client.believed_leader).active()) {
        return client.believed_leader;
    }
    const auto& ids = cluster.node_ids();
    return ids[m_rng.uniform(ids.size())];
}

void SimClients::tick(SimCluster& cluster)
{
    const std::uint64_t now = cluster.now();
    for (std::size_t i = 0; i < m_clients.size(); ++i) {
        Client& client = m_clients[i];
        if (client.in_flight && now >= client.deadline_tick) {
            // Unknown outcome: retry the same request, maybe at another node.
            ++m_stats.timeouts;
            client.in_flight = false;
            client.believed_leader = raft::k_no_node;
            client.next_attempt_tick = now + m_rng.between(1, 5);
        }
        if (client.in_flight || client.finished || now < client.next_attempt_tick) {
            continue;
        }
        if (!client.has_request) {
            if (!m_new_requests || i == 0) {
                continue;
            }
            next_request(i);
        }
        attempt(cluster, i);
    }
}

void SimClients::attempt(SimCluster& cluster, std::size_t index)
{
    Client& client = m_clients[index];
    const raft::NodeId target = choose_node(cluster, client);
    SimNode& node = cluster.node(target);
    if (!node.active()) {
        // Connection refused or no answer: try again soon.
        client.believed_leader = raft::k_no_node;
        client.next_attempt_tick = cluster.now() + m_rng.between(1, 5);
        return;
    }
    auto position = cluster.propose(target, escort::encode_command(client.command));
    ++m_stats.proposals;
    if (!position.ok()) {
        // Not the leader: follow its hint, if it has one.
        const raft::NodeId hint = node.live() ? node.raft().leader() : raft::k_no_node;
        client.believed_leader = hint != target ? hint : raft::k_no_node;
        client.next_attempt_tick = cluster.now() + 1;
        return;
    }
    client.in_flight = true;
    client.node = target;
    client.position = position.value();
    client.believed_leader = target;
    client.deadline_tick = cluster.now() + m_options.timeout_ticks;
    m_pending[target][client.position.index] = index;
    cluster.trace("client " + client.command.client_id + " seq "
                  + std::to_string(client.command.sequence) + " proposed at n"
                  + std::to_string(target.value) + " -> " + std::to_string(client.position.index.value)
                  + "/" + std::to_string(client.position.term.value));
}

void SimClients::on_applied(SimCluster& cluster, raft::NodeId node, const raft::Entry& entry)
{
    auto per_node = m_pending.find(node);
    if (per_node == m_pending.end()) {
        return;
    }
    auto pending = per_node->second.find(entry.index);
    if (pending == per_node->second.end()) {
        return;
    }
    const std::size_t index = pending->second;
    per_node->second.erase(pending);
    Client& client = m_clients[index];
    if (!client.in_flight || client.node != node || client.position.index != entry.index) {
        return; // An older attempt the client already gave up on.
    }
    client.in_flight = false;
    if (entry.term != client.position.term) {
        // Another leader's entry took the slot: the proposal was lost here.
        ++m_stats.lost;
        client.next_attempt_tick = cluster.now() + 1;
        return;
    }
    ++m_stats.acks;
    m_acked.push_back(AckedRequest{client.command.client_id, client.command.sequence, node,
                                   client.position});
    cluster.trace("client " + client.command.client_id + " seq "
                  + std::to_string(client.command.sequence) + " acknowledged by n"
                  + std::to_string(node.value) + " at " + std::to_string(entry.index.value));
    client.has_request = false;
    client.finished = index == 0;
    client.next_attempt_tick = cluster.now() + m_rng.between(1, m_options.think_ticks_max);
}

} // namespace raftescort::sim
