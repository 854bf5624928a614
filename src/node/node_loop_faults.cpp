// The built-in faults (chaos/fault_plan.hpp) at the loop's edges: peer
// messages in and out are dropped, held or doubled here, before the core
// sees them or after it made them; a pause stops the loop's ticks and holds
// client requests; a crash throws the Replica away and a recovery opens the
// data dir again; a disk stall holds the loop after each durable write. The
// core itself never knows a fault is in force.

#include "node/node_loop.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <type_traits>
#include <utility>

namespace raftescort::node {

std::future<RequestOutcome> NodeLoop::chaos(std::optional<chaos::FaultSpec> fault)
{
    return submit(ChaosRequest{std::move(fault), std::nullopt, {}});
}

std::future<RequestOutcome> NodeLoop::heal(chaos::FaultKind kind)
{
    return submit(ChaosRequest{std::nullopt, kind, {}});
}

void NodeLoop::handle_chaos(ChaosRequest& request)
{
    RequestOutcome done;
    done.kind = RequestOutcome::Kind::committed;
    const bool was_paused = m_faults.paused();
    if (request.fault && request.fault->kind == chaos::FaultKind::crash && !m_options.reopen) {
        done.kind = RequestOutcome::Kind::refused;
        done.message = "this node cannot reopen its data dir, so it cannot crash and recover";
    } else if (request.fault) {
        std::optional<chaos::ActiveFault> replaced = m_faults.apply(*request.fault, m_wake_ms);
        if (replaced) {
            record_fault("replaced: " + chaos::describe_fault(replaced->spec));
        }
        record_fault("in force: " + chaos::describe_fault(*request.fault));
    } else if (request.heal_kind) {
        if (std::optional<chaos::ActiveFault> healed = m_faults.heal(*request.heal_kind)) {
            record_fault("healed: " + chaos::describe_fault(healed->spec));
        }
    } else {
        for (const chaos::ActiveFault& healed : m_faults.heal_all()) {
            record_fault("healed: " + chaos::describe_fault(healed.spec));
        }
    }
    if (!follow_crash_fault()) {
        done.kind = RequestOutcome::Kind::refused;
        done.message = "recovery from the data dir failed; the node is stopping";
    }
    if (was_paused && !m_faults.paused()) {
        resume_held_requests();
    }
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
    (void)follow_crash_fault();
    if (was_paused && !m_faults.paused()) {
        resume_held_requests();
    }
}

void NodeLoop::record_fault(const std::string& detail)
{
    spdlog::info("fault {}", detail);
    registry::Event event{registry::EventKind::fault,
                          m_id,
                          crashed() ? raft::Term{} : m_replica->raft().term(),
                          crashed() ? raft::Index{} : m_replica->raft().commit_index(),
                          detail,
                          transport::wall_clock_ms(),
                          {}};
    m_registry.post([event](registry::Registry& registry) { registry.record_event(event); });
}

bool NodeLoop::intercept_while_down(Input& input)
{
    const bool down = crashed() || m_faults.paused();
    if (!down || std::holds_alternative<ChaosRequest>(input)) {
        return false;
    }
    if (auto* inbound = std::get_if<transport::InboundMessage>(&input)) {
        // A stopped or dead process reads nothing: the peer's request ends
        // unanswered.
        if (inbound->reply) {
            inbound->reply->close();
        }
    } else if (std::holds_alternative<PeerRefused>(input)) {
        // Nothing to campaign with while down.
    } else if (crashed()) {
        answer_request(input, crashed_outcome());
    } else {
        m_held_requests.push_back(std::move(input));
    }
    return true;
}

void NodeLoop::answer_request(Input& input, const RequestOutcome& outcome)
{
    std::visit(
        [&](auto& request) {
            using Request = std::decay_t<decltype(request)>;
            if constexpr (std::is_same_v<Request, transport::InboundMessage>) {
                if (request.reply) {
                    request.reply->close();
                }
            } else if constexpr (!std::is_same_v<Request, PeerRefused>) {
                request.promise.set_value(outcome);
            }
        },
        input);
}

RequestOutcome NodeLoop::crashed_outcome()
{
    RequestOutcome crashed;
    crashed.kind = RequestOutcome::Kind::refused;
    crashed.retryable = true;
    crashed.message = "the node is crashed (a built-in fault) until it recovers; the outcome "
                      "of a request it had taken is unknown";
    return crashed;
}

bool NodeLoop::follow_crash_fault()
{
    if (m_faults.crashed() && !crashed()) {
        crash_now();
    } else if (!m_faults.crashed() && crashed()) {
        return recover_now();
    }
    return true;
}

void NodeLoop::crash_now()
{
    spdlog::warn("crashing (a built-in fault): volatile state dropped, data dir closed");
    // Peers and clients see what a dead process leaves: requests that end
    // unanswered, messages never sent.
    close_reply_slots();
    m_senders.clear();
    m_delayed_in.clear();
    m_delayed_out.clear();
    for (auto& [index, pending] : m_pending) {
        pending.promise.set_value(crashed_outcome());
    }
    m_pending.clear();
    for (std::promise<RequestOutcome>& transfer : m_transfers) {
        transfer.set_value(crashed_outcome());
    }
    m_transfers.clear();
    for (Input& held : m_held_requests) {
        answer_request(held, crashed_outcome());
    }
    m_held_requests.clear();
    m_heard_ms.clear();
    m_leader_probed_ms = 0;
    m_address_version = 0;
    m_step_in_flight.reset();
    m_mission_start_term = raft::Term{};
    m_candidacy_term.reset();
    m_votes_granted = 0;
    m_voters_granted.clear();
    m_last_leader = raft::k_no_node;
    m_log_watch.reset();
    m_replica.reset();
    std::lock_guard lock(m_status_mutex);
    m_logged.clear();
}

bool NodeLoop::recover_now()
{
    util::Result<std::unique_ptr<runtime::Replica>> reopened = m_options.reopen();
    if (!reopened.ok()) {
        m_failed = true;
        m_on_fatal("recovering from a built-in crash failed: " + reopened.error().message);
        return false;
    }
    m_replica = std::move(reopened.value());
    const raft::RaftNode& raft = m_replica->raft();
    spdlog::info("recovered from the data dir (term {}, last index {}, commit {})",
                 raft.term().value, raft.last_index().value, raft.commit_index().value);
    m_last_role = raft.role();
    m_last_term = raft.term();
    note_base_timing();
    // A restarted process starts its clock afresh: no burst of missed ticks.
    m_next_tick_ms = transport::monotonic_ms() + m_options.tick_ms;
    return true;
}

void NodeLoop::stall_disk_write(std::uint64_t saves_before)
{
    const std::int64_t stall_ms = m_faults.disk_stall_ms();
    if (stall_ms <= 0 || m_replica->save_latency().count() == saves_before) {
        return;
    }
    // Held like a slow fsync holds the thread, but a stopping node does not wait.
    std::unique_lock lock(m_inbox_mutex);
    m_inbox_ready.wait_for(lock, std::chrono::milliseconds(stall_ms),
                           [this] { return m_stopping; });
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
        trace_message(message, TracedMessage::Fate::dropped);
        return false;
    }
    if (verdict.delay_ms > 0) {
        trace_message(message, TracedMessage::Fate::delayed);
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
