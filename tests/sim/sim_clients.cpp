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
    cluster.set_read_observer([this, &cluster](raft::NodeId node, const ServedRead& read) {
        on_read_served(cluster, node, read);
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
    client.has_request = true;
    client.read = m_options.read_share > 0.0 && m_rng.chance(m_options.read_share);
    if (client.read) {
        return;
    }
    ++client.command.sequence;
    if (m_options.timing_share > 0.0 && m_rng.chance(m_options.timing_share)) {
        // In sim ticks of 10 ms: heartbeat 1-3 ticks, election timeout at
        // least 3x that; one in five goes back to the nodes' own timing.
        client.command.kind = escort::CommandKind::timing;
        client.command.timing = escort::Timing{};
        if (!m_rng.chance(0.2)) {
            const std::int64_t heartbeat = static_cast<std::int64_t>(m_rng.between(1, 3));
            const std::int64_t election = static_cast<std::int64_t>(m_rng.between(
                static_cast<std::uint64_t>(std::max<std::int64_t>(3 * heartbeat, 5)), 20));
            client.command.timing.heartbeat_ms = heartbeat * k_sim_tick_ms;
            client.command.timing.election_timeout_ms = election * k_sim_tick_ms;
        }
        if (m_options.timing_switches) {
            // Each switch own, on or off, independently of the other.
            client.command.timing.pre_vote =
                static_cast<escort::ProtocolSwitch>(m_rng.uniform(3));
            client.command.timing.check_quorum =
                static_cast<escort::ProtocolSwitch>(m_rng.uniform(3));
        }
        return;
    }
    client.command.kind = escort::CommandKind::move;
    client.command.dx = static_cast<std::int64_t>(m_rng.uniform(5)) - 2;
    client.command.dy = static_cast<std::int64_t>(m_rng.uniform(5)) - 2;
}

raft::NodeId SimClients::choose_node(SimCluster& cluster, const Client& client)
{
    if (client.believed_leader != raft::k_no_node
        && cluster.node(client.believed_leader).active()) {
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
            // Unknown outcome: retry the same move, maybe at another node. A
            // read changes nothing, so it is simply abandoned.
            ++m_stats.timeouts;
            client.in_flight = false;
            client.believed_leader = raft::k_no_node;
            client.next_attempt_tick = now + m_rng.between(1, 5);
            if (client.read) {
                ++m_stats.reads_abandoned;
                cluster.trace("client " + client.command.client_id + " abandoned read "
                              + std::to_string(client.read_id));
                client.has_request = false;
                client.read = false;
            }
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

void SimClients::follow_hint(SimCluster& cluster, Client& client, raft::NodeId refused_by)
{
    const SimNode& node = cluster.node(refused_by);
    const raft::NodeId hint = node.live() ? node.raft().leader() : raft::k_no_node;
    client.believed_leader = hint != refused_by ? hint : raft::k_no_node;
    client.next_attempt_tick = cluster.now() + 1;
}

void SimClients::attempt_read(SimCluster& cluster, std::size_t index)
{
    Client& client = m_clients[index];
    RE_ASSERT(client.read);
    const raft::NodeId target = choose_node(cluster, client);
    if (!cluster.node(target).active()) {
        client.believed_leader = raft::k_no_node;
        client.next_attempt_tick = cluster.now() + m_rng.between(1, 5);
        return;
    }
    // Named before the call: a lone voter answers inside read_index().
    client.read_id = m_next_read_id++;
    client.node = target;
    ++m_stats.reads;
    const util::Status status = cluster.read_index(target, client.read_id);
    if (!status.ok()) {
        follow_hint(cluster, client, target);
        return;
    }
    client.believed_leader = target;
    client.deadline_tick = cluster.now() + m_options.timeout_ticks;
    cluster.trace("client " + client.command.client_id + " read " + std::to_string(client.read_id)
                  + " at n" + std::to_string(target.value));
    // Unless the observer already finished it (see above), the read is in flight.
    client.in_flight = client.has_request;
}

void SimClients::on_read_served(SimCluster& cluster, raft::NodeId node, const ServedRead& read)
{
    for (Client& client : m_clients) {
        if (!client.read || !client.has_request || client.read_id != read.request_id) {
            continue;
        }
        // Answered by the node asked; an abandoned read's id is never reused.
        RE_ASSERT(client.node == node || !client.in_flight);
        ++m_stats.reads_served;
        client.in_flight = false;
        client.has_request = false;
        client.read = false;
        client.next_attempt_tick = cluster.now() + m_rng.between(1, m_options.think_ticks_max);
        return;
    }
}

void SimClients::attempt(SimCluster& cluster, std::size_t index)
{
    Client& client = m_clients[index];
    if (client.read) {
        attempt_read(cluster, index);
        return;
    }
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
        // Not the leader (or a transfer is under way): follow its hint, if it has one.
        follow_hint(cluster, client, target);
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
                  + std::to_string(target.value) + " -> "
                  + std::to_string(client.position.index.value) + "/"
                  + std::to_string(client.position.term.value));
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
    cluster.checker().on_write_acked(entry.index);
    m_acked.push_back(AckedRequest{client.command.client_id, client.command.sequence, node,
                                   client.position, client.command.kind});
    cluster.trace("client " + client.command.client_id + " seq "
                  + std::to_string(client.command.sequence) + " acknowledged by n"
                  + std::to_string(node.value) + " at " + std::to_string(entry.index.value));
    client.has_request = false;
    client.finished = index == 0;
    client.next_attempt_tick = cluster.now() + m_rng.between(1, m_options.think_ticks_max);
}

} // namespace raftescort::sim
