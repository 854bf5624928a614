#include "node/node_loop.hpp"

#include "node/entry_text.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <type_traits>
#include <utility>

namespace raftescort::node {

namespace {

// After a long stall (SIGSTOP, a swapped-out process) the loop catches up
// on missed ticks, but in bounded bursts so it still reads its inbox.
constexpr int k_ticks_per_iteration_max = 1000;
/// A peer heard from this recently counts as reachable in /status: about
/// three election timeouts at the default settings.
constexpr std::int64_t k_peer_heard_window_ms = 1000;

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

NodeLoop::NodeLoop(std::unique_ptr<runtime::Replica> replica, NodeLoopOptions options,
                   AddressBook& address_book, RegistryWorker& registry, FatalHandler on_fatal)
    : m_replica(std::move(replica)), m_options(std::move(options)), m_id(m_replica->raft().id()),
      m_address_book(address_book), m_registry(registry), m_on_fatal(std::move(on_fatal))
{
    RE_ASSERT(m_options.tick_ms > 0);
    RE_ASSERT(m_options.step_interval_ms > 0);
    m_last_role = m_replica->raft().role();
    m_last_term = m_replica->raft().term();
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
    for (Input& input : m_inbox) {
        std::visit(
            [](auto& request) {
                using Request = std::decay_t<decltype(request)>;
                if constexpr (std::is_same_v<Request, transport::InboundMessage>) {
                    // Its request is answered now rather than at its deadline.
                    if (request.reply) {
                        request.reply->close();
                    }
                } else if constexpr (!std::is_same_v<Request, PeerRefused>) {
                    request.promise.set_value(stopping_outcome());
                }
            },
            input);
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

RequestOutcome NodeLoop::stopping_outcome()
{
    RequestOutcome stopping;
    stopping.kind = RequestOutcome::Kind::refused;
    stopping.retryable = true;
    stopping.message = "the node is stopping; the outcome of this request is unknown";
    return stopping;
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
            m_inbox_ready.wait_until(lock, deadline_of(m_next_tick_ms),
                                     [this] { return m_stopping || !m_inbox.empty(); });
            if (m_stopping) {
                return;
            }
            batch.swap(m_inbox);
            m_inbox_messages = 0;
        }
        m_wake_ms = transport::monotonic_ms();
        for (Input& input : batch) {
            handle(input);
        }
        std::int64_t now_ms = transport::monotonic_ms();
        tick_until(now_ms);
        probe_silent_leader(now_ms);
        drive_autopilot(now_ms);
        update_sender_addresses();
        bool ready_ok = process_ready();
        close_reply_slots();
        if (!ready_ok) {
            return;
        }
        observe_role();
        settle_transfers();
        publish_status();
        deliver_answers();
    }
}

void NodeLoop::answer_after_publish(std::promise<RequestOutcome> promise, RequestOutcome outcome)
{
    m_answers.emplace_back(std::move(promise), std::move(outcome));
}

void NodeLoop::deliver_answers()
{
    // After publish_status: a client that reads /status right after its
    // answer sees its own write.
    for (auto& [promise, outcome] : m_answers) {
        promise.set_value(std::move(outcome));
    }
    m_answers.clear();
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

void NodeLoop::handle_message(const transport::InboundMessage& inbound)
{
    const raft::Message& message = inbound.message;
    raft::RaftNode& raft = m_replica->raft();
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
    // The candidate records its own ballots: it is the one place that sees
    // every answer to its candidacy, with the voter's reason.
    bool own_ballot = message.type == raft::MessageType::vote_response
                      && raft.role() == raft::Role::candidate && m_candidacy_term
                      && message.term == *m_candidacy_term && raft.term() == *m_candidacy_term;
    bool explained = !message.reject || message.refusal != raft::VoteRefusal::none;
    if (own_ballot && explained) {
        registry::Ballot ballot;
        ballot.term = message.term;
        ballot.candidate = m_id;
        ballot.voter = message.from;
        ballot.granted = !message.reject;
        ballot.refusal = message.reject ? message.refusal : raft::VoteRefusal::none;
        if (ballot.granted && m_voters_granted.insert(message.from).second) {
            ++m_votes_granted;
        }
        m_registry.post([ballot](registry::Registry& registry) { registry.record_ballot(ballot); });
    }
    raft.step(message);
}

void NodeLoop::handle_proposal(Proposal& proposal)
{
    raft::RaftNode& raft = m_replica->raft();
    bool fenced_out = proposal.fence && *proposal.fence != raft.term();
    if (raft.role() != raft::Role::leader || fenced_out) {
        proposal.promise.set_value(not_leader_outcome());
        return;
    }
    util::Result<raft::LogPosition> position = raft.propose(std::move(proposal.command));
    if (!position.ok()) {
        RequestOutcome refused;
        refused.kind = RequestOutcome::Kind::refused;
        refused.retryable = true;
        refused.message = position.error().message;
        proposal.promise.set_value(std::move(refused));
        return;
    }
    track(position.value(), std::move(proposal.promise));
}

void NodeLoop::handle_add_node(AddNode& request)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        request.promise.set_value(not_leader_outcome());
        return;
    }
    const raft::ConfState& conf = raft.conf();
    RequestOutcome outcome;
    outcome.term = raft.term();
    outcome.leader = m_id;
    if (conf.voters.count(request.node) > 0) {
        // A voter that asks to join again has lost its log (it only asks
        // when its data dir is empty): letting it vote could elect a leader
        // without committed entries or count an acknowledgement it forgot.
        outcome.kind = RequestOutcome::Kind::refused;
        outcome.message = "node " + std::to_string(request.node.value)
                          + " is already a voting member; a voter whose data dir is empty "
                            "has lost its log and must not vote again under that id";
        request.promise.set_value(std::move(outcome));
        return;
    }
    m_address_book.set(request.node, request.address);
    if (conf.learners.count(request.node) > 0) {
        // A learner never voted nor counted for a commit: it may start over.
        outcome.kind = RequestOutcome::Kind::committed;
        outcome.index = raft.conf_index();
        outcome.message = "already a learner";
        request.promise.set_value(std::move(outcome));
        return;
    }
    raft::ConfChange change;
    change.type = raft::ConfChangeType::add_learner;
    change.node = request.node;
    change.context = request.address;
    util::Result<raft::LogPosition> position = raft.propose_conf_change(change);
    if (!position.ok()) {
        outcome.kind = RequestOutcome::Kind::refused;
        outcome.retryable = true;
        outcome.message = position.error().message;
        request.promise.set_value(std::move(outcome));
        return;
    }
    spdlog::info("adding node {} at {} as a learner (index {})", request.node.value,
                 request.address, position.value().index.value);
    track(position.value(), std::move(request.promise));
}

void NodeLoop::handle_remove_node(RemoveNode& request)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        request.promise.set_value(not_leader_outcome());
        return;
    }
    const raft::ConfState& conf = raft.conf();
    RequestOutcome refused;
    refused.kind = RequestOutcome::Kind::refused;
    if (!conf.contains(request.node)) {
        refused.message = "node " + std::to_string(request.node.value) + " is not a member";
        request.promise.set_value(std::move(refused));
        return;
    }
    if (conf.voters.size() == 1 && conf.voters.count(request.node) > 0) {
        refused.message = "node " + std::to_string(request.node.value)
                          + " is the last voter; a cluster needs one";
        request.promise.set_value(std::move(refused));
        return;
    }
    raft::ConfChange change;
    change.type = raft::ConfChangeType::remove_node;
    change.node = request.node;
    util::Result<raft::LogPosition> position = raft.propose_conf_change(change);
    if (!position.ok()) {
        refused.retryable = true;
        refused.message = position.error().message;
        request.promise.set_value(std::move(refused));
        return;
    }
    spdlog::info("removing node {} (index {})", request.node.value, position.value().index.value);
    track(position.value(), std::move(request.promise));
}

void NodeLoop::handle_transfer(TransferLeadership& request)
{
    raft::RaftNode& raft = m_replica->raft();
    if (raft.role() != raft::Role::leader) {
        request.promise.set_value(not_leader_outcome());
        return;
    }
    raft::NodeId target = request.target;
    if (target == raft::k_no_node) {
        // The most caught-up voter takes over with the shortest catch-up.
        raft::Index best;
        for (const auto& [peer, progress] : raft.progress()) {
            if (peer != m_id && raft.conf().voters.count(peer) > 0
                && (target == raft::k_no_node || progress.match_index > best)) {
                target = peer;
                best = progress.match_index;
            }
        }
    }
    RequestOutcome refused;
    refused.kind = RequestOutcome::Kind::refused;
    if (target == m_id || raft.conf().voters.count(target) == 0) {
        refused.message =
            target == raft::k_no_node
                ? std::string("no other voter to hand leadership to")
                : "node " + std::to_string(target.value) + " is not another voter of this cluster";
        request.promise.set_value(std::move(refused));
        return;
    }
    if (util::Status started = raft.transfer_leadership(target); !started.ok()) {
        refused.retryable = true;
        refused.message = started.error().message;
        request.promise.set_value(std::move(refused));
        return;
    }
    spdlog::info("handing leadership to node {}", target.value);
    m_transfers.push_back(std::move(request.promise));
}

void NodeLoop::settle_transfers()
{
    const raft::RaftNode& raft = m_replica->raft();
    if (m_transfers.empty() || raft.role() == raft::Role::leader) {
        return;
    }
    // This node stepped down; the transfer worked if someone else leads now
    // (the answer waits until that leader is known).
    if (raft.leader() == raft::k_no_node && raft.role() == raft::Role::follower) {
        return;
    }
    RequestOutcome outcome;
    if (raft.leader() != raft::k_no_node && raft.leader() != m_id) {
        outcome.kind = RequestOutcome::Kind::committed;
        outcome.leader = raft.leader();
        outcome.leader_name = m_address_book.get(raft.leader()).value_or("");
        outcome.term = raft.term();
    } else {
        outcome.kind = RequestOutcome::Kind::refused;
        outcome.retryable = true;
        outcome.message = "leadership was lost to an election instead of the transfer";
    }
    for (std::promise<RequestOutcome>& transfer : m_transfers) {
        answer_after_publish(std::move(transfer), outcome);
    }
    m_transfers.clear();
}

void NodeLoop::track(raft::LogPosition position, std::promise<RequestOutcome> promise)
{
    auto it = m_pending.find(position.index);
    if (it != m_pending.end()) {
        // An older proposal of ours held this index in an earlier term; the
        // new entry replaced it in our log, so it can never be applied.
        RequestOutcome lost;
        lost.kind = RequestOutcome::Kind::lost;
        lost.message = "a leader change replaced this entry before it was committed";
        it->second.promise.set_value(std::move(lost));
        m_pending.erase(it);
    }
    m_pending.emplace(position.index, Pending{position.term, std::move(promise)});
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

bool NodeLoop::process_ready()
{
    if (m_failed) {
        return false;
    }
    util::Result<runtime::ReadyOutcome> processed =
        m_replica->process_ready([this](std::vector<raft::Message>& early) { send(early); });
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

void NodeLoop::close_reply_slots()
{
    for (const auto& [peer, slot] : m_reply_slots) {
        slot->close();
    }
    m_reply_slots.clear();
}

void NodeLoop::send(std::vector<raft::Message>& messages)
{
    for (raft::Message& message : messages) {
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

void NodeLoop::settle(const runtime::AppliedEntry& applied)
{
    if (m_step_in_flight && *m_step_in_flight <= applied.entry.index) {
        m_step_in_flight.reset();
    }
    auto it = m_pending.find(applied.entry.index);
    if (it == m_pending.end()) {
        return;
    }
    if (it->second.term == applied.entry.term) {
        answer_after_publish(std::move(it->second.promise), committed_outcome(applied));
    } else {
        RequestOutcome lost;
        lost.kind = RequestOutcome::Kind::lost;
        lost.message = "a leader change replaced this entry before it was committed";
        answer_after_publish(std::move(it->second.promise), std::move(lost));
    }
    m_pending.erase(it);
}

void NodeLoop::record_applied(const runtime::AppliedEntry& applied)
{
    const raft::Entry& entry = applied.entry;
    LoggedEntry logged{entry.index, entry.term, entry.type, describe_entry(entry)};
    bool leader = m_replica->raft().role() == raft::Role::leader;
    if (entry.type == raft::EntryType::conf_change) {
        raft::ConfChange change;
        if (raft::decode_conf_change(entry.data, change)) {
            if (change.type == raft::ConfChangeType::add_learner && change.node != m_id) {
                m_address_book.set(change.node, change.context);
            }
            spdlog::info("membership: {} (index {})", logged.command, entry.index.value);
        }
    } else if (entry.type == raft::EntryType::leader_noop) {
        std::optional<raft::NodeId> lead = parse_leader_noop(entry);
        if (lead) {
            m_registry.remember_leader(entry.term, *lead);
        }
    }
    if (leader) {
        registry::Event event;
        event.kind = entry.type == raft::EntryType::conf_change ? registry::EventKind::membership
                                                                : registry::EventKind::applied_move;
        event.node = m_id;
        event.term = entry.term;
        event.index = entry.index;
        event.detail = logged.command;
        event.timestamp_ms = transport::wall_clock_ms();
        bool interesting = entry.type == raft::EntryType::conf_change
                           || applied.result.kind == escort::ApplyResult::Kind::moved
                           || applied.result.kind == escort::ApplyResult::Kind::stepped
                           || applied.result.kind == escort::ApplyResult::Kind::mission_set;
        if (interesting) {
            m_registry.post(
                [event](registry::Registry& registry) { registry.record_event(event); });
        }
    }
    std::lock_guard lock(m_status_mutex);
    m_logged.push_back(std::move(logged));
    while (m_logged.size() > m_options.logged_entries_max) {
        m_logged.pop_front();
    }
}

void NodeLoop::observe_role()
{
    raft::RaftNode& raft = m_replica->raft();
    raft::Role role = raft.role();
    raft::Term term = raft.term();
    if (role == m_last_role && term == m_last_term) {
        return;
    }
    std::uint32_t votes = m_votes_granted;
    if (m_candidacy_term && !(role == raft::Role::candidate && term == *m_candidacy_term)) {
        raft::Term candidacy = *m_candidacy_term;
        registry::ElectionOutcome result = registry::ElectionOutcome::lost;
        if (role == raft::Role::leader && term == candidacy) {
            result = registry::ElectionOutcome::won;
            ++m_metrics.elections_won;
        } else if (term > candidacy) {
            bool campaigning = role == raft::Role::candidate || role == raft::Role::pre_candidate;
            result = campaigning ? registry::ElectionOutcome::split
                                 : registry::ElectionOutcome::superseded;
        }
        m_registry.post([candidacy, self = m_id, result](registry::Registry& registry) {
            registry.record_outcome(candidacy, self, result);
        });
        m_candidacy_term.reset();
    }
    if (role == raft::Role::candidate && !m_candidacy_term) {
        ++m_metrics.elections_started;
        m_candidacy_term = term;
        m_votes_granted = 1;
        m_voters_granted = {m_id};
        registry::Event event{registry::EventKind::election,
                              m_id,
                              term,
                              raft::Index{},
                              "node " + std::to_string(m_id.value) + " campaigns",
                              transport::wall_clock_ms(),
                              {}};
        m_registry.post([term, self = m_id, event](registry::Registry& registry) {
            registry.record_candidacy(term, self);
            registry.record_event(event);
        });
    }
    if (role == raft::Role::leader && m_last_role != raft::Role::leader) {
        if (votes == 0) {
            // Won without being seen as a candidate: a one-voter cluster.
            votes = 1;
            ++m_metrics.elections_started;
            ++m_metrics.elections_won;
            m_registry.post([term, self = m_id](registry::Registry& registry) {
                registry.record_candidacy(term, self);
                registry.record_outcome(term, self, registry::ElectionOutcome::won);
            });
        }
        registry::LeaderRecord record;
        record.id = m_id;
        record.name = m_options.self_address;
        record.term = term;
        record.votes = votes;
        record.voters = static_cast<std::uint32_t>(raft.conf().voters.size());
        record.timestamp_ms = transport::wall_clock_ms();
        m_registry.record_leader(record);
        m_next_step_ms = transport::monotonic_ms() + m_options.step_interval_ms;
        spdlog::info("leader in term {} with {} of {} votes", term.value, votes, record.voters);
    }
    if (role != m_last_role) {
        std::string detail =
            std::string(raft::role_name(m_last_role)) + " -> " + raft::role_name(role);
        spdlog::info("term {}: {}", term.value, detail);
        registry::Event event{
            registry::EventKind::role_change, m_id, term, raft.commit_index(), detail,
            transport::wall_clock_ms(),       {}};
        m_registry.post([event](registry::Registry& registry) { registry.record_event(event); });
    }
    if (role != raft::Role::candidate && !m_candidacy_term) {
        m_votes_granted = 0;
        m_voters_granted.clear();
    }
    m_last_role = role;
    m_last_term = term;
}

RequestOutcome NodeLoop::not_leader_outcome() const
{
    RequestOutcome outcome;
    outcome.kind = RequestOutcome::Kind::not_leader;
    const raft::RaftNode& raft = m_replica->raft();
    outcome.term = raft.term();
    outcome.leader = raft.leader();
    if (outcome.leader != raft::k_no_node) {
        outcome.leader_name = m_address_book.get(outcome.leader).value_or("");
        outcome.message = "not the leader; node " + std::to_string(outcome.leader.value)
                          + " leads term " + std::to_string(outcome.term.value);
    } else {
        outcome.message =
            "not the leader, and no leader is known in term " + std::to_string(outcome.term.value);
    }
    return outcome;
}

RequestOutcome NodeLoop::committed_outcome(const runtime::AppliedEntry& applied) const
{
    RequestOutcome outcome;
    outcome.kind = RequestOutcome::Kind::committed;
    outcome.term = applied.entry.term;
    outcome.index = applied.entry.index;
    outcome.leader = m_id;
    outcome.result = applied.result;
    const escort::Escort& escort = m_replica->escort();
    outcome.mission = escort.mission();
    // Positions as of this entry: its lead point plus each slot's offset.
    for (const auto& [node, slot] : escort.roster()) {
        escort::Point offset = escort::Escort::slot_offset(slot);
        outcome.positions.push_back(
            NodePosition{node, escort::Point{applied.result.lead_after.x + offset.x,
                                             applied.result.lead_after.y + offset.y}});
    }
    return outcome;
}

std::string NodeLoop::role_name() const
{
    const raft::RaftNode& raft = m_replica->raft();
    switch (raft.role()) {
    case raft::Role::leader: return "leader";
    case raft::Role::candidate: return "candidate";
    case raft::Role::pre_candidate: return "pre_candidate";
    case raft::Role::follower: break;
    }
    return raft.conf().voters.count(m_id) > 0 ? "follower" : "learner";
}

void NodeLoop::publish_status()
{
    const raft::RaftNode& raft = m_replica->raft();
    const escort::Escort& escort = m_replica->escort();
    NodeStatus status;
    status.id = m_id;
    status.name = m_options.self_address;
    status.cluster_id = m_options.cluster_id;
    status.role = role_name();
    status.term = raft.term();
    status.leader = raft.leader();
    if (status.leader == m_id) {
        status.leader_name = m_options.self_address;
    } else if (status.leader != raft::k_no_node) {
        status.leader_name = m_address_book.get(status.leader).value_or("");
    }
    status.commit_index = raft.commit_index();
    status.applied_index = raft.applied_index();
    status.last_index = raft.last_index();
    status.snapshot_index = m_replica->snapshot_index();
    status.committed_in_term =
        raft.role() == raft::Role::leader && escort.last_applied_term() == raft.term();
    status.position = escort.position_of(m_id);
    status.lead = escort.lead_point();
    status.lead_unit = escort.lead_unit();
    status.mission = escort.mission();
    const raft::ConfState& conf = raft.conf();
    status.voters.assign(conf.voters.begin(), conf.voters.end());
    status.learners.assign(conf.learners.begin(), conf.learners.end());
    for (const auto& [node, slot] : escort.roster()) {
        status.positions.push_back(NodePosition{node, *escort.position_of(node)});
    }
    const auto& progress = raft.progress();
    auto add_peer = [&](raft::NodeId peer, bool learner) {
        if (peer == m_id) {
            return;
        }
        PeerStatus peer_status;
        peer_status.id = peer;
        peer_status.name = m_address_book.get(peer).value_or("");
        peer_status.learner = learner;
        auto it = progress.find(peer);
        if (it != progress.end()) {
            peer_status.match_index = it->second.match_index;
            peer_status.next_index = it->second.next_index;
            peer_status.state = raft::progress_state_name(it->second.state);
            peer_status.last_contact_ms =
                static_cast<std::int64_t>(it->second.ticks_since_contact) * m_options.tick_ms;
        }
        auto sender = m_senders.find(peer);
        auto heard = m_heard_ms.find(peer);
        transport::PeerSenderCounters counters;
        if (sender != m_senders.end()) {
            counters = sender->second->counters();
        }
        peer_status.answers_in_responses = counters.replies;
        peer_status.reachable =
            counters.reachable
            || (heard != m_heard_ms.end() && m_wake_ms - heard->second <= k_peer_heard_window_ms);
        status.peers.push_back(std::move(peer_status));
    };
    for (raft::NodeId voter : conf.voters) {
        add_peer(voter, false);
    }
    for (raft::NodeId learner : conf.learners) {
        add_peer(learner, true);
    }
    status.state_hash = escort.state_hash();
    status.redis_connected = m_registry.connected();
    if (raft.leader() != m_last_leader) {
        ++m_metrics.leader_changes;
        m_last_leader = raft.leader();
    }
    m_metrics.fsync = m_replica->save_latency();
    status.metrics = m_metrics;
    std::lock_guard lock(m_status_mutex);
    m_status = std::move(status);
}

} // namespace raftescort::node
