// NodeLoop's traffic with peers (node_loop.hpp): carrying out the core's
// Ready, sending through per-peer senders or in the reply slots of the
// peers' own requests, and probing a silent leader.

#include "node/node_loop.hpp"

#include <raftescort/transport/clock.hpp>

#include <spdlog/spdlog.h>

#include <utility>

namespace raftescort::node {

namespace {

/// Messages that answer one of the peer's own: the only ones that may ride
/// back in its request's response (appends and snapshots, which can be
/// large, always go the ordinary way).
bool is_answer(raft::MessageType type)
{
    switch (type) {
    case raft::MessageType::pre_vote_response:
    case raft::MessageType::vote_response:
    case raft::MessageType::append_response:
    case raft::MessageType::heartbeat_response:
    case raft::MessageType::snapshot_response: return true;
    default: return false;
    }
}

} // namespace

void NodeLoop::handle_message(const transport::InboundMessage& inbound)
{
    if (admit_inbound(inbound)) {
        step_message(inbound);
    }
}

void NodeLoop::step_message(const transport::InboundMessage& inbound)
{
    const raft::Message& message = inbound.message;
    m_heard_ms[message.from] = m_wake_ms;
    if (inbound.reply) {
        std::shared_ptr<transport::ReplySlot>& slot = m_reply_slots[message.from];
        // An older request from the same peer is answered now; answers made
        // from here on ride in the newer one.
        if (slot && slot != inbound.reply) {
            slot->close();
        }
        slot = inbound.reply;
    }
    record_ballot(message);
    m_replica->raft().step(message);
}

bool NodeLoop::process_ready()
{
    if (m_failed) {
        return false;
    }
    const std::uint64_t saves_before = m_replica->save_latency().count();
    util::Result<runtime::ReadyOutcome> processed =
        m_replica->process_ready([this](std::vector<raft::Message>& early) { send(early); });
    if (processed.ok()) {
        stall_disk_write(saves_before);
    }
    if (!processed.ok()) {
        m_failed = true;
        m_on_fatal("storage failed, stopping so nothing undurable is acknowledged: "
                   + processed.error().message);
        return false;
    }
    runtime::ReadyOutcome& outcome = processed.value();
    // Sent only now: everything they promise is on disk (replica.hpp).
    send(outcome.messages);
    for (const runtime::AppliedEntry& applied : outcome.applied) {
        record_applied(applied);
        settle(applied);
    }
    if (outcome.snapshot_installed) {
        raft::Index covered = outcome.snapshot_installed->index;
        spdlog::info("installed the leader's snapshot at index {}", covered.value);
        // What the snapshot covers was committed by someone; whether it was
        // our entry or another leader's, this node cannot tell any more.
        while (!m_pending.empty() && m_pending.begin()->first <= covered) {
            RequestOutcome unknown;
            unknown.kind = RequestOutcome::Kind::refused;
            unknown.retryable = true;
            unknown.message = "outcome unknown: the log was replaced by a snapshot; retry with "
                              "the same client_id and sequence";
            m_pending.begin()->second.promise.set_value(std::move(unknown));
            m_pending.erase(m_pending.begin());
        }
    }
    return true;
}

void NodeLoop::send(std::vector<raft::Message>& messages)
{
    for (raft::Message& message : messages) {
        if (!admit_outbound(message)) {
            continue;
        }
        trace_message(message, TracedMessage::Fate::sent);
        if (is_answer(message.type)) {
            auto slot = m_reply_slots.find(message.to);
            if (slot != m_reply_slots.end() && slot->second->add(message)) {
                continue;
            }
        }
        // No sender while the address is unknown: the registry or the
        // peer's own messages will tell us; Raft resends what matters.
        if (transport::PeerSender* sender = sender_for(message.to)) {
            sender->enqueue(std::move(message));
        }
    }
}

void NodeLoop::trace_message(const raft::Message& message, TracedMessage::Fate fate)
{
    if (m_options.trace) {
        m_trace.record(message, fate, transport::wall_clock_ms());
    }
}

void NodeLoop::close_reply_slots()
{
    for (const auto& [peer, slot] : m_reply_slots) {
        slot->close();
    }
    m_reply_slots.clear();
}

transport::PeerSender* NodeLoop::sender_for(raft::NodeId peer)
{
    auto it = m_senders.find(peer);
    if (it != m_senders.end()) {
        return it->second.get();
    }
    std::optional<std::string> address = m_address_book.get(peer);
    if (!address) {
        return nullptr;
    }
    transport::PeerSenderOptions options;
    options.cluster_id = m_options.cluster_id;
    options.self_address = m_options.self_address;
    options.cluster_token = m_options.cluster_token;
    options.tls = m_options.tls;
    options.self = m_id;
    // The peer's answers to our requests join the inbox like any other
    // message of theirs.
    options.on_replies = [this](std::vector<transport::InboundMessage> replies) {
        return deliver(std::move(replies));
    };
    options.on_refused = [this](raft::NodeId refused) { peer_refused(refused); };
    std::string host;
    std::uint16_t port = 0;
    if (transport::split_host_port(m_options.self_address, host, port)
        && transport::is_loopback_ip(host)) {
        options.source_ip = host;
    }
    auto sender = std::make_unique<transport::PeerSender>(options, peer, *address);
    return m_senders.emplace(peer, std::move(sender)).first->second.get();
}

void NodeLoop::update_sender_addresses()
{
    std::uint64_t version = m_address_book.version();
    if (version == m_address_version) {
        return;
    }
    m_address_version = version;
    for (auto& [peer, sender] : m_senders) {
        std::optional<std::string> address = m_address_book.get(peer);
        if (address && *address != sender->address()) {
            spdlog::info("node {} is now at {}", peer.value, *address);
            sender->set_address(*address);
        }
    }
}

void NodeLoop::handle_peer_refused(const PeerRefused& refused)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::follower || raft.leader() != refused.peer) {
        return;
    }
    spdlog::info("leader {} refused a connection: its process is gone; campaigning early",
                 refused.peer.value);
    raft.leader_gone(refused.peer);
}

void NodeLoop::probe_silent_leader(std::int64_t now_ms)
{
    const raft::RaftNode& raft = m_replica->raft();
    const raft::NodeId leader = raft.leader();
    if (m_options.leader_probe_after_ms <= 0 || raft.role() != raft::Role::follower
        || leader == raft::k_no_node || leader == m_id) {
        return;
    }
    auto heard = m_heard_ms.find(leader);
    if (heard == m_heard_ms.end() || now_ms - heard->second < m_options.leader_probe_after_ms
        || now_ms - m_leader_probed_ms < m_options.leader_probe_after_ms) {
        return;
    }
    if (transport::PeerSender* sender = sender_for(leader)) {
        m_leader_probed_ms = now_ms;
        sender->probe();
    }
}

} // namespace raftescort::node
