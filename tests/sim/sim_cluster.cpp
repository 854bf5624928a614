#include "sim/sim_cluster.hpp"

#include "sim/sim_hash.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>

#include <set>
#include <utility>

namespace raftescort::sim {

namespace {

std::string node_name(raft::NodeId id) { return "n" + std::to_string(id.value); }

} // namespace

std::string describe_message(const raft::Message& message)
{
    std::string out = raft::message_type_name(message.type);
    out += " " + node_name(message.from) + "->" + node_name(message.to);
    out += " term=" + std::to_string(message.term.value);
    switch (message.type) {
    case raft::MessageType::append:
        out += " prev=" + std::to_string(message.index.value) + "/"
               + std::to_string(message.log_term.value);
        out += " entries=" + std::to_string(message.entries.size());
        if (!message.entries.empty()) {
            out += "[" + std::to_string(message.entries.front().index.value) + ".."
                   + std::to_string(message.entries.back().index.value) + "]";
        }
        out += " commit=" + std::to_string(message.commit.value);
        break;
    case raft::MessageType::append_response:
        out += std::string(message.reject ? " reject" : " ok")
               + " index=" + std::to_string(message.index.value);
        if (message.reject) {
            out += " hint=" + std::to_string(message.conflict_index.value) + "/"
                   + std::to_string(message.conflict_term.value);
        }
        break;
    case raft::MessageType::pre_vote:
    case raft::MessageType::vote:
        out += " last=" + std::to_string(message.index.value) + "/"
               + std::to_string(message.log_term.value);
        break;
    case raft::MessageType::pre_vote_response:
    case raft::MessageType::vote_response:
        out += message.reject
                   ? std::string(" refused (") + raft::vote_refusal_name(message.refusal) + ")"
                   : std::string(" granted");
        break;
    case raft::MessageType::heartbeat:
        out += " commit=" + std::to_string(message.commit.value);
        break;
    case raft::MessageType::snapshot:
        out += " snapshot=" + std::to_string(message.snapshot_metadata.index.value) + "/"
               + std::to_string(message.snapshot_metadata.term.value) + " offset="
               + std::to_string(message.chunk_offset) + (message.chunk_last ? " last" : "");
        break;
    case raft::MessageType::snapshot_response:
        out += std::string(message.reject ? " reject" : " ok")
               + " index=" + std::to_string(message.index.value);
        break;
    default: break;
    }
    return out;
}

SimCluster::SimCluster(const ClusterOptions& options)
    : m_options(options), m_network(options.network, derive_seed(options.seed, 2)),
      m_torn_rng(derive_seed(options.seed, 3))
{
    RE_ASSERT(options.voter_count >= 1);
    raft::ConfState founders;
    for (std::size_t i = 1; i <= options.voter_count; ++i) {
        founders.voters.insert(raft::NodeId{i});
    }
    const std::size_t total = options.voter_count + options.spare_count;
    for (std::size_t i = 1; i <= total; ++i) {
        NodeSetup setup;
        setup.id = raft::NodeId{i};
        setup.initial_conf = i <= options.voter_count ? founders : raft::ConfState{};
        setup.run_seed = options.seed;
        setup.election_ticks = options.election_ticks;
        setup.heartbeat_ticks = options.heartbeat_ticks;
        setup.entries_per_message_max = options.entries_per_message_max;
        setup.snapshot_interval_entries = options.snapshot_interval_entries;
        setup.mutations = options.mutations;
        setup.pre_vote = options.pre_vote;
        setup.check_quorum = options.check_quorum;
        m_ids.push_back(setup.id);
        NodeListener& listener = *this;
        m_nodes.push_back(std::make_unique<SimNode>(std::move(setup), m_network, m_checker,
                                                    listener, m_now, options.trace != nullptr));
    }
    for (auto& node : m_nodes) {
        node->start();
        after_event(*node);
    }
}

SimCluster::~SimCluster() = default;

SimNode& SimCluster::node(raft::NodeId id)
{
    RE_ASSERT(id.value >= 1 && id.value <= m_nodes.size());
    return *m_nodes[id.value - 1];
}

const SimNode& SimCluster::node(raft::NodeId id) const
{
    RE_ASSERT(id.value >= 1 && id.value <= m_nodes.size());
    return *m_nodes[id.value - 1];
}

raft::ConfState SimCluster::current_conf() const
{
    const SimNode* best = nullptr;
    for (const auto& node : m_nodes) {
        if (!node->live()) {
            continue;
        }
        if (best == nullptr || node->raft().conf_index() > best->raft().conf_index()) {
            best = node.get();
        }
    }
    if (best == nullptr) {
        return m_nodes.front()->storage().durable().initial_conf;
    }
    return best->raft().conf();
}

void SimCluster::trace(const std::string& line)
{
    if (m_options.trace != nullptr) {
        *m_options.trace << "[t=" << m_now << "] " << line << std::endl;
    }
}

void SimCluster::after_event(SimNode& node)
{
    ++m_events;
    if (node.live()) {
        m_checker.after_event(node.id(), node.raft());
    }
}

void SimCluster::run_tick()
{
    ++m_now;
    while (auto message = m_network.pop_due(m_now)) {
        deliver(*message);
    }
    for (auto& node : m_nodes) {
        if (!node->active()) {
            continue;
        }
        const bool was_live = node->live();
        node->tick();
        if (was_live && !node->live()) {
            trace(node_name(node->id()) + " crashed between write and fsync");
        }
        after_event(*node);
    }
    if (m_options.autopilot) {
        run_autopilot();
    }
}

void SimCluster::deliver(const raft::Message& message)
{
    if (message.to.value < 1 || message.to.value > m_nodes.size()) {
        m_network.drop_unreachable();
        return;
    }
    SimNode& target = node(message.to);
    if (!target.live()) {
        m_network.drop_unreachable();
        return;
    }
    if (target.paused()) {
        m_network.hold(message);
        return;
    }
    if (tracing()) {
        trace("deliver " + describe_message(message));
    }
    target.step(message);
    if (!target.live()) {
        trace(node_name(target.id()) + " crashed between write and fsync");
    } else {
        m_checker.on_delivered(target.id(), target.raft(), message);
    }
    after_event(target);
}

void SimCluster::run_autopilot()
{
    for (auto& node : m_nodes) {
        if (!node->active() || node->raft().role() != raft::Role::leader) {
            continue;
        }
        const escort::Escort& escort = node->escort();
        if (!escort.mission().running) {
            continue;
        }
        // One step in flight per leader: proposed in this term and not yet applied.
        const std::optional<raft::LogPosition>& pending = node->pending_step;
        if (pending && pending->term == node->raft().term()
            && escort.last_applied_index() < pending->index) {
            continue;
        }
        escort::Command step;
        step.kind = escort::CommandKind::step;
        step.from = escort.lead_point();
        auto position = node->propose(escort::encode_command(step));
        if (position.ok()) {
            node->pending_step = position.value();
        }
        after_event(*node);
    }
}

void SimCluster::run_ticks(std::uint32_t ticks)
{
    for (std::uint32_t i = 0; i < ticks && !failed(); ++i) {
        run_tick();
    }
}

bool SimCluster::run_until(const std::function<bool()>& done, std::uint32_t ticks_max)
{
    for (std::uint32_t i = 0; i <= ticks_max && !failed(); ++i) {
        if (done()) {
            return true;
        }
        if (i < ticks_max) {
            run_tick();
        }
    }
    return false;
}

void SimCluster::crash(raft::NodeId id, bool torn)
{
    SimNode& target = node(id);
    if (!target.live()) {
        return;
    }
    trace("crash " + node_name(id) + (torn ? " (torn unsynced writes)" : ""));
    target.crash(torn ? &m_torn_rng : nullptr);
    ++m_events;
}

void SimCluster::crash_during_next_write(raft::NodeId id, bool torn)
{
    SimNode& target = node(id);
    if (!target.live()) {
        return;
    }
    trace("arm crash of " + node_name(id) + " inside its next write" + (torn ? " (torn)" : ""));
    target.crash_during_next_write(torn ? &m_torn_rng : nullptr);
}

void SimCluster::restart(raft::NodeId id)
{
    SimNode& target = node(id);
    if (target.live() || target.stopped()) {
        return;
    }
    trace("restart " + node_name(id) + " (incarnation " + std::to_string(target.incarnation() + 1)
          + ")");
    target.start();
    after_event(target);
}

void SimCluster::stop(raft::NodeId id)
{
    trace("stop " + node_name(id));
    node(id).stop();
    ++m_events;
}

void SimCluster::pause(raft::NodeId id)
{
    SimNode& target = node(id);
    if (target.active()) {
        trace("pause " + node_name(id));
        target.pause();
    }
}

void SimCluster::resume(raft::NodeId id)
{
    SimNode& target = node(id);
    if (target.live() && target.paused()) {
        trace("resume " + node_name(id));
        target.resume();
        m_network.release(id, m_now);
    }
}

void SimCluster::disconnect(raft::NodeId id)
{
    trace("disconnect " + node_name(id));
    m_network.set_connected(id, false);
}

void SimCluster::connect(raft::NodeId id)
{
    trace("connect " + node_name(id));
    m_network.set_connected(id, true);
}

void SimCluster::block_link(raft::NodeId from, raft::NodeId to) { m_network.block(from, to); }

void SimCluster::unblock_link(raft::NodeId from, raft::NodeId to) { m_network.unblock(from, to); }

void SimCluster::partition(const std::vector<std::vector<raft::NodeId>>& groups)
{
    std::map<raft::NodeId, std::set<std::size_t>> membership;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        for (raft::NodeId id : groups[g]) {
            membership[id].insert(g);
        }
    }
    m_network.clear_blocks();
    std::string description;
    for (raft::NodeId from : m_ids) {
        for (raft::NodeId to : m_ids) {
            if (from == to) {
                continue;
            }
            // Two nodes talk if they share a group (a bridge node is in two).
            bool shared = false;
            for (std::size_t g : membership[from]) {
                shared = shared || membership[to].count(g) > 0;
            }
            if (!shared) {
                m_network.block(from, to);
            }
        }
    }
    for (const auto& group : groups) {
        description += description.empty() ? "" : " | ";
        for (std::size_t i = 0; i < group.size(); ++i) {
            description += (i == 0 ? "" : ",") + node_name(group[i]);
        }
    }
    trace("partition " + description);
}

void SimCluster::heal_network()
{
    trace("heal network");
    m_network.clear_blocks();
    m_network.connect_all();
}

void SimCluster::set_network(const NetworkOptions& options) { m_network.set_options(options); }

const NetworkOptions& SimCluster::network_options() const { return m_network.options(); }

void SimCluster::set_unreliable(bool unreliable)
{
    NetworkOptions options = m_network.options();
    options.drop_probability = unreliable ? 0.1 : 0.0;
    options.delay_ticks_min = 1;
    options.delay_ticks_max = unreliable ? 3 : 1;
    m_network.set_options(options);
}

void SimCluster::set_long_reordering(bool on)
{
    NetworkOptions options = m_network.options();
    options.long_delay_probability = on ? 0.1 : 0.0;
    options.long_delay_ticks_max = on ? 60 : 0;
    m_network.set_options(options);
}

std::vector<raft::NodeId> SimCluster::leaders() const
{
    std::vector<raft::NodeId> out;
    for (const auto& node : m_nodes) {
        if (node->active() && node->raft().role() == raft::Role::leader) {
            out.push_back(node->id());
        }
    }
    return out;
}

std::optional<raft::NodeId> SimCluster::leader() const
{
    std::optional<raft::NodeId> best;
    raft::Term best_term;
    for (raft::NodeId id : leaders()) {
        const raft::Term term = node(id).raft().term();
        if (!best || term > best_term) {
            best = id;
            best_term = term;
        }
    }
    return best;
}

std::optional<raft::NodeId> SimCluster::check_one_leader(std::uint32_t ticks_max)
{
    std::optional<raft::NodeId> found;
    run_until(
        [&] {
            // Only leaders that can talk count, as in 6.824 (connected servers).
            for (raft::NodeId id : leaders()) {
                if (m_network.connected(id)
                    && (!found || node(id).raft().term() > node(*found).raft().term())) {
                    found = id;
                }
            }
            return found.has_value();
        },
        ticks_max);
    return found;
}

std::optional<raft::Term> SimCluster::agreed_term() const
{
    std::optional<raft::Term> term;
    for (const auto& node : m_nodes) {
        if (!node->active()) {
            continue;
        }
        if (term && *term != node->raft().term()) {
            return std::nullopt;
        }
        term = node->raft().term();
    }
    return term;
}

Committed SimCluster::n_committed(raft::Index index) const
{
    Committed committed;
    const AppliedRecord* record = m_checker.applied(index);
    if (record == nullptr) {
        return committed;
    }
    committed.data = record->data;
    committed.term = record->term;
    for (const auto& node : m_nodes) {
        if (node->live() && node->escort().last_applied_index() >= index) {
            ++committed.count;
        }
    }
    return committed;
}

util::Result<raft::Index> SimCluster::one(const std::string& data, std::size_t expected_servers,
                                          bool retry, std::uint32_t ticks_max)
{
    const std::uint64_t deadline = m_now + ticks_max;
    while (m_now < deadline && !failed()) {
        std::optional<raft::LogPosition> position;
        for (raft::NodeId id : leaders()) {
            auto proposed = propose(id, data);
            if (proposed.ok()) {
                position = proposed.value();
                break;
            }
        }
        if (!position) {
            run_tick();
            continue;
        }
        // 6.824 waits about two seconds (~ four election timeouts) for agreement.
        const std::uint32_t wait_ticks = 4 * m_options.election_ticks;
        const bool agreed = run_until(
            [&] {
                const Committed committed = n_committed(position->index);
                return committed.count >= expected_servers && committed.data == data;
            },
            wait_ticks);
        if (agreed) {
            return position->index;
        }
        if (!retry) {
            break;
        }
    }
    return util::make_error(util::ErrorCode::unavailable,
                            "one(" + data + ") failed to reach agreement of "
                                + std::to_string(expected_servers) + " servers");
}

util::Result<raft::LogPosition> SimCluster::propose(raft::NodeId id, std::string data)
{
    SimNode& target = node(id);
    if (!target.active()) {
        return util::make_error(util::ErrorCode::unavailable, node_name(id) + " is down");
    }
    auto position = target.propose(std::move(data));
    after_event(target);
    return position;
}

util::Result<raft::LogPosition> SimCluster::propose_conf_change(raft::NodeId id,
                                                                const raft::ConfChange& change)
{
    SimNode& target = node(id);
    if (!target.active()) {
        return util::make_error(util::ErrorCode::unavailable, node_name(id) + " is down");
    }
    auto position = target.propose_conf_change(change);
    if (position.ok()) {
        trace("propose conf change " + raft::encode_conf_change(change) + " at " + node_name(id)
              + " -> index " + std::to_string(position.value().index.value));
    }
    after_event(target);
    return position;
}

util::Status SimCluster::read_index(raft::NodeId id, std::uint64_t request_id)
{
    SimNode& target = node(id);
    if (!target.active()) {
        return util::make_error(util::ErrorCode::unavailable, node_name(id) + " is down");
    }
    util::Status status = target.read_index(request_id);
    after_event(target);
    return status;
}

util::Status SimCluster::transfer_leadership(raft::NodeId id, raft::NodeId target_id)
{
    SimNode& target = node(id);
    if (!target.active()) {
        return util::make_error(util::ErrorCode::unavailable, node_name(id) + " is down");
    }
    util::Status status = target.transfer_leadership(target_id);
    trace("transfer leadership " + node_name(id) + " -> " + node_name(target_id)
          + (status.ok() ? "" : " refused: " + status.error().message));
    after_event(target);
    return status;
}

void SimCluster::leader_gone(raft::NodeId id, raft::NodeId leader)
{
    SimNode& target = node(id);
    RE_ASSERT(target.active());
    target.leader_gone(leader);
    trace(node_name(id) + " hears that " + node_name(leader) + " is gone");
    after_event(target);
}

void SimCluster::set_protocol(raft::NodeId id, bool pre_vote, bool check_quorum)
{
    SimNode& target = node(id);
    RE_ASSERT(target.active());
    target.set_protocol(pre_vote, check_quorum);
    trace(node_name(id) + " switches pre-vote " + (pre_vote ? "on" : "off") + ", check-quorum "
          + (check_quorum ? "on" : "off"));
    after_event(target);
}

void SimCluster::on_role_change(raft::NodeId node_id, const raft::SoftState& soft_state)
{
    if (tracing()) {
        const SimNode& target = node(node_id);
        trace(node_name(node_id) + " is " + raft::role_name(soft_state.role) + " (term "
              + std::to_string(target.live() ? target.raft().term().value : 0) + ", leader "
              + node_name(soft_state.leader) + ")");
    }
}

void SimCluster::on_applied(raft::NodeId node_id, const raft::Entry& entry,
                            const escort::ApplyResult& result)
{
    if (tracing() && entry.type != raft::EntryType::normal) {
        trace(node_name(node_id) + " applied " + std::to_string(entry.index.value) + "/"
              + std::to_string(entry.term.value)
              + (entry.type == raft::EntryType::leader_noop ? " take_lead " : " conf_change ")
              + entry.data);
    }
    if (m_apply_observer) {
        m_apply_observer(node_id, entry, result);
    }
}

void SimCluster::on_snapshot_installed(raft::NodeId node_id, const raft::Snapshot& snapshot)
{
    trace(node_name(node_id) + " installed snapshot "
          + std::to_string(snapshot.metadata.index.value) + "/"
          + std::to_string(snapshot.metadata.term.value));
}

void SimCluster::on_read_served(raft::NodeId node_id, const ServedRead& read)
{
    if (tracing()) {
        trace(node_name(node_id) + " served read " + std::to_string(read.request_id) + " at "
              + std::to_string(read.applied.value) + " (read index "
              + std::to_string(read.read_index.value) + ", lead (" + std::to_string(read.lead.x)
              + "," + std::to_string(read.lead.y) + "))");
    }
    if (m_read_observer) {
        m_read_observer(node_id, read);
    }
}

void SimCluster::on_core_log(raft::NodeId node_id, util::LogLevel, std::string_view line)
{
    trace(node_name(node_id) + " core: " + std::string(line));
}

} // namespace raftescort::sim
