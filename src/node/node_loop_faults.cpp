// The built-in faults (chaos/fault_plan.hpp) at the loop's edges: peer
// messages in and out are dropped, held or doubled here, before the core
// sees them or after it made them; a pause stops the loop's ticks and holds
// client requests. The core itself never knows a fault is in force.

#include "node/node_loop.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <utility>

namespace raftescort::node {

std::future<RequestOutcome> NodeLoop::chaos(std::optional<chaos::FaultSpec> fault)
{
    return submit(ChaosRequest{std::move(fault), {}});
}

void NodeLoop::handle_chaos(ChaosRequest& request)
{
    const bool was_paused = m_faults.paused();
    if (request.fault) {
        std::optional<chaos::ActiveFault> replaced = m_faults.apply(*request.fault, m_wake_ms);
        if (replaced) {
            record_fault("replaced: " + chaos::describe_fault(replaced->spec));
        }
        record_fault("in force: " + chaos::describe_fault(*request.fault));
    } else {
        for (const chaos::ActiveFault& healed : m_faults.heal_all()) {
            record_fault("healed: " + chaos::describe_fault(healed.spec));
        }
    }
    if (was_paused && !m_faults.paused()) {
        resume_held_requests();
    }
    RequestOutcome done;
    done.kind = RequestOutcome::Kind::committed;
    answer_after_publish(std::move(request.promise), std::move(done));
}

void NodeLoop::expire_faults(std::int64_t now_ms)
{
    if (m_faults.empty()) {
        return;
    }
    const bool was_paused = m_faults.paused();
    for (const chaos::ActiveFault& expired : m_faults.expire(now_ms)) {
        record_fault("healed itself: " + chaos::describe_fault(expired.spec));
    }
    if (was_paused && !m_faults.paused()) {
        resume_held_requests();
    }
}

void NodeLoop::record_fault(const std::string& detail)
{
    spdlog::info("fault {}", detail);
    registry::Event event{registry::EventKind::fault,
                          m_id,
                          m_replica->raft().term(),
                          m_replica->raft().commit_index(),
                          detail,
                          transport::wall_clock_ms(),
                          {}};
    m_registry.post([event](registry::Registry& registry) { registry.record_event(event); });
}

bool NodeLoop::hold_while_paused(Input& input)
{
    if (!m_faults.paused() || std::holds_alternative<ChaosRequest>(input)) {
        return false;
    }
    if (auto* inbound = std::get_if<transport::InboundMessage>(&input)) {
        // A stopped process reads nothing: the peer's request ends unanswered.
        if (inbound->reply) {
            inbound->reply->close();
        }
    } else if (!std::holds_alternative<PeerRefused>(input)) {
        m_held_requests.push_back(std::move(input));
    }
    return true;
}

void NodeLoop::resume_held_requests()
{
    std::deque<Input> held;
    held.swap(m_held_requests);
    for (Input& input : held) {
        handle(input);
    }
}

bool NodeLoop::admit_inbound(const transport::InboundMessage& inbound)
{
    if (m_faults.empty()) {
        return true;
    }
    const chaos::Verdict verdict = m_faults.judge(inbound.message.from, chaos::Direction::in);
    if (verdict.drop || verdict.delay_ms > 0) {
        // Its answers go the ordinary way, whenever they come.
        if (inbound.reply && m_reply_slots.count(inbound.message.from) == 0) {
            inbound.reply->close();
        }
        if (!verdict.drop) {
            m_delayed_in.emplace(
                m_wake_ms + verdict.delay_ms,
                transport::InboundMessage{inbound.message, inbound.sender_address, nullptr});
        }
        return false;
    }
    if (verdict.duplicate) {
        m_delayed_in.emplace(
            m_wake_ms, transport::InboundMessage{inbound.message, inbound.sender_address, nullptr});
    }
    return true;
}

bool NodeLoop::admit_outbound(raft::Message& message)
{
    if (m_faults.empty()) {
        return true;
    }
    const chaos::Verdict verdict = m_faults.judge(message.to, chaos::Direction::out);
    if (verdict.drop) {
        return false;
    }
    if (verdict.delay_ms > 0) {
        m_delayed_out.emplace(transport::monotonic_ms() + verdict.delay_ms, std::move(message));
        return false;
    }
    if (verdict.duplicate) {
        m_delayed_out.emplace(0, message);
    }
    return true;
}

void NodeLoop::release_delayed(std::int64_t now_ms)
{
    while (!m_delayed_in.empty() && m_delayed_in.begin()->first <= now_ms) {
        transport::InboundMessage inbound = std::move(m_delayed_in.begin()->second);
        m_delayed_in.erase(m_delayed_in.begin());
        step_message(inbound);
    }
    while (!m_delayed_out.empty() && m_delayed_out.begin()->first <= now_ms) {
        raft::Message message = std::move(m_delayed_out.begin()->second);
        m_delayed_out.erase(m_delayed_out.begin());
        if (transport::PeerSender* sender = sender_for(message.to)) {
            sender->enqueue(std::move(message));
        }
    }
}

} // namespace raftescort::node
