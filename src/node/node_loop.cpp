// NodeLoop's thread (node_loop.hpp): construction and stopping, the inbox
// that HTTP threads fill, the loop itself, ticks and the autopilot.

#include "node/node_loop.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <utility>

namespace raftescort::node {

namespace {

// After a long stall (SIGSTOP, a swapped-out process) the loop catches up
// on missed ticks, but in bounded bursts so it still reads its inbox.
constexpr int k_ticks_per_iteration_max = 1000;

} // namespace

NodeLoop::NodeLoop(std::unique_ptr<runtime::Replica> replica, NodeLoopOptions options,
                   AddressBook& address_book, RegistryWorker& registry, FatalHandler on_fatal)
    : m_replica(std::move(replica)), m_options(std::move(options)), m_id(m_replica->raft().id()),
      m_address_book(address_book), m_registry(registry), m_on_fatal(std::move(on_fatal)),
      m_faults(std::random_device{}())
{
    RE_ASSERT(m_options.tick_ms > 0);
    RE_ASSERT(m_options.step_interval_ms > 0);
    m_last_role = m_replica->raft().role();
    m_last_term = m_replica->raft().term();
    m_base_timing.step_interval_ms = m_options.step_interval_ms;
    m_base_timing.leader_probe_after_ms = m_options.leader_probe_after_ms;
    note_base_timing();
    publish_status();
    m_thread = std::thread([this] {
        transport::name_this_thread("loop");
        run();
    });
}

NodeLoop::~NodeLoop()
{
    stop();
    m_senders.clear();
    spdlog::debug("peer senders stopped");
    // Whoever still waits gets an answer rather than a broken promise.
    deliver_answers();
    for (auto& [index, pending] : m_pending) {
        pending.promise.set_value(stopping_outcome());
    }
    for (std::promise<RequestOutcome>& transfer : m_transfers) {
        transfer.set_value(stopping_outcome());
    }
    for (std::deque<Input>* queue : {&m_inbox, &m_held_requests}) {
        for (Input& input : *queue) {
            // A peer's request is answered now rather than at its deadline.
            answer_request(input, stopping_outcome());
        }
    }
}

void NodeLoop::stop()
{
    {
        std::lock_guard lock(m_inbox_mutex);
        if (m_stopping) {
            return;
        }
        m_stopping = true;
    }
    m_inbox_ready.notify_all();
    m_thread.join();
    spdlog::debug("loop stopped");
}

bool NodeLoop::deliver(std::vector<transport::InboundMessage> messages)
{
    {
        std::lock_guard lock(m_inbox_mutex);
        if (m_stopping || messages.size() > m_options.inbox_messages_max - m_inbox_messages) {
            return false;
        }
        m_inbox_messages += messages.size();
        for (transport::InboundMessage& message : messages) {
            m_inbox.emplace_back(std::move(message));
        }
    }
    m_inbox_ready.notify_one();
    return true;
}

template <typename Request>
std::future<RequestOutcome> NodeLoop::submit(Request request)
{
    std::future<RequestOutcome> future = request.promise.get_future();
    {
        std::lock_guard lock(m_inbox_mutex);
        if (m_stopping) {
            request.promise.set_value(stopping_outcome());
            return future;
        }
        m_inbox.emplace_back(std::move(request));
    }
    m_inbox_ready.notify_one();
    return future;
}

std::future<RequestOutcome> NodeLoop::propose(std::string command, std::optional<raft::Term> fence)
{
    return submit(Proposal{std::move(command), fence, {}});
}

std::future<RequestOutcome> NodeLoop::add_node(raft::NodeId node, std::string address)
{
    return submit(AddNode{node, std::move(address), {}});
}

std::future<RequestOutcome> NodeLoop::remove_node(raft::NodeId node)
{
    return submit(RemoveNode{node, {}});
}

std::future<RequestOutcome> NodeLoop::transfer_leadership(raft::NodeId target)
{
    return submit(TransferLeadership{target, {}});
}

std::future<RequestOutcome> NodeLoop::log_window(std::optional<raft::Index> from,
                                                 std::size_t limit)
{
    return submit(LogWindowRequest{from, limit, {}});
}

TracePage NodeLoop::trace(std::uint64_t after, std::size_t limit)
{
    return m_trace.read(after, limit, transport::wall_clock_ms());
}

std::uint64_t NodeLoop::trace_newest() { return m_trace.newest(transport::wall_clock_ms()); }

NodeStatus NodeLoop::status() const
{
    std::lock_guard lock(m_status_mutex);
    return m_status;
}

std::vector<LoggedEntry> NodeLoop::logs(raft::Index from, std::size_t limit) const
{
    std::lock_guard lock(m_status_mutex);
    std::vector<LoggedEntry> entries;
    for (const LoggedEntry& entry : m_logged) {
        if (entries.size() >= limit) {
            break;
        }
        if (entry.index >= from) {
            entries.push_back(entry);
        }
    }
    return entries;
}

void NodeLoop::run()
{
    // The first Ready carries what recovery found (or the bootstrap entries).
    if (!process_ready()) {
        return;
    }
    m_log_watch.observe(m_replica->raft(), transport::wall_clock_ms());
    follow_timing();
    observe_role();
    publish_status();
    deliver_answers();
    m_next_tick_ms = transport::monotonic_ms() + m_options.tick_ms;
    auto deadline_of = [](std::int64_t ms) {
        return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
    };
    while (true) {
        std::deque<Input> batch;
        {
            std::unique_lock lock(m_inbox_mutex);
            // Paused, ticks wait (as under SIGSTOP, the missed ones run on
            // resume) and crashed, none are due; the loop still wakes to see
            // its faults expire.
            const bool down = m_faults.paused() || crashed();
            const std::int64_t wake_ms =
                down ? transport::monotonic_ms() + m_options.tick_ms : m_next_tick_ms;
            m_inbox_ready.wait_until(lock, deadline_of(wake_ms),
                                     [this] { return m_stopping || !m_inbox.empty(); });
            if (m_stopping) {
                return;
            }
            batch.swap(m_inbox);
            m_inbox_messages = 0;
        }
        m_wake_ms = transport::monotonic_ms();
        for (Input& input : batch) {
            if (!intercept_while_down(input)) {
                handle(input);
            }
        }
        std::int64_t now_ms = transport::monotonic_ms();
        expire_faults(now_ms);
        if (m_failed) {
            return;
        }
        if (crashed()) {
            publish_status();
            deliver_answers();
            continue;
        }
        if (!m_faults.paused()) {
            release_delayed(now_ms);
            tick_until(now_ms);
            probe_silent_leader(now_ms);
            drive_autopilot(now_ms);
        }
        update_sender_addresses();
        bool ready_ok = process_ready();
        close_reply_slots();
        if (!ready_ok) {
            return;
        }
        m_log_watch.observe(m_replica->raft(), transport::wall_clock_ms());
        follow_timing();
        observe_role();
        settle_transfers();
        publish_status();
        deliver_answers();
    }
}

void NodeLoop::handle(Input& input)
{
    if (auto* inbound = std::get_if<transport::InboundMessage>(&input)) {
        handle_message(*inbound);
    } else if (auto* proposal = std::get_if<Proposal>(&input)) {
        handle_proposal(*proposal);
    } else if (auto* add = std::get_if<AddNode>(&input)) {
        handle_add_node(*add);
    } else if (auto* remove = std::get_if<RemoveNode>(&input)) {
        handle_remove_node(*remove);
    } else if (auto* transfer = std::get_if<TransferLeadership>(&input)) {
        handle_transfer(*transfer);
    } else if (auto* chaos = std::get_if<ChaosRequest>(&input)) {
        handle_chaos(*chaos);
    } else if (auto* window = std::get_if<LogWindowRequest>(&input)) {
        handle_log_window(*window);
    } else {
        handle_peer_refused(std::get<PeerRefused>(input));
    }
}

void NodeLoop::peer_refused(raft::NodeId peer)
{
    {
        std::lock_guard lock(m_inbox_mutex);
        if (m_stopping) {
            return;
        }
        m_inbox.emplace_back(PeerRefused{peer});
    }
    m_inbox_ready.notify_one();
}

void NodeLoop::tick_until(std::int64_t now_ms)
{
    raft::RaftNode& raft = m_replica->raft();
    int ticks = 0;
    while (now_ms >= m_next_tick_ms && ticks < k_ticks_per_iteration_max) {
        raft.tick();
        m_next_tick_ms += m_options.tick_ms;
        ++ticks;
    }
    if (now_ms >= m_next_tick_ms) {
        m_next_tick_ms = now_ms + m_options.tick_ms;
    }
}

void NodeLoop::drive_autopilot(std::int64_t now_ms)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        m_step_in_flight.reset();
        return;
    }
    const escort::Escort& escort = m_replica->escort();
    // Until this leader's no-op is applied, the lead point it sees may be
    // behind the committed one (Raft §8), and a step from it would be stale.
    if (escort.last_applied_term() != raft.term()) {
        return;
    }
    const escort::Mission& mission = escort.mission();
    bool never_started = !mission.running && mission.steps_taken == 0
                         && escort.lead_point() == escort::Point{}
                         && mission.target == escort::Mission{}.target;
    if (m_options.autopilot && never_started && m_mission_start_term != raft.term()) {
        m_mission_start_term = raft.term();
        escort::Command start;
        start.kind = escort::CommandKind::mission;
        start.target = mission.target;
        start.running = true;
        (void)raft.propose(escort::encode_command(start));
        spdlog::info("autopilot: starting the mission to [{}, {}]", mission.target.x,
                     mission.target.y);
        return;
    }
    if (!mission.running || escort.lead_point() == mission.target || m_step_in_flight
        || now_ms < m_next_step_ms) {
        return;
    }
    escort::Command step;
    step.kind = escort::CommandKind::step;
    step.from = escort.lead_point();
    util::Result<raft::LogPosition> position = raft.propose(escort::encode_command(step));
    if (position.ok()) {
        m_step_in_flight = position.value().index;
    }
    m_next_step_ms = now_ms + m_options.step_interval_ms;
}

} // namespace raftescort::node
