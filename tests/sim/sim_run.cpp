#include "sim/sim_run.hpp"

#include "sim/chaos.hpp"
#include "sim/sim_clients.hpp"
#include "sim/sim_cluster.hpp"
#include "sim/sim_hash.hpp"

#include <string>

namespace raftescort::sim {

namespace {

/// A fault-free chaos phase must get the mission at least one step per this
/// many ticks. Client moves make many autopilot steps stale (the step names
/// the lead point it starts from), so progress is slower than one step per
/// round trip when many clients move the convoy.
constexpr std::uint64_t k_fault_free_ticks_per_step_max = 200;
constexpr std::uint64_t k_fault_free_steps_min = 3;

std::string node_name(raft::NodeId id) { return "n" + std::to_string(id.value); }

/// Why the healed cluster has not converged yet; empty once it has.
std::string convergence_gap(SimCluster& cluster, const SimClients& clients)
{
    // "Exactly one leader" holds for check_quorum = false too, with no grace
    // period: a deposed leader that never stepped down (nothing tells it to
    // without check-quorum) sends a heartbeat within heartbeat_ticks of the
    // heal, every follower answers it with the newer term (step_term), and it
    // steps down. Election Safety (one leader per term) is checked absolutely.
    const std::vector<raft::NodeId> leaders = cluster.leaders();
    if (leaders.size() != 1) {
        return std::to_string(leaders.size()) + " leaders";
    }
    const SimNode& leader = cluster.node(leaders.front());
    const raft::ConfState& conf = leader.raft().conf();
    if (conf.voters.count(leader.id()) == 0) {
        return "leader " + node_name(leader.id()) + " is not a voter";
    }
    const raft::Index commit = leader.raft().commit_index();
    const std::uint64_t state = leader.escort().state_hash();
    std::vector<raft::NodeId> members(conf.voters.begin(), conf.voters.end());
    members.insert(members.end(), conf.learners.begin(), conf.learners.end());
    for (raft::NodeId id : members) {
        const SimNode& node = cluster.node(id);
        if (!node.active()) {
            return "member " + node_name(id) + " is down";
        }
        if (node.raft().commit_index() != commit) {
            return node_name(id) + " commit " + std::to_string(node.raft().commit_index().value)
                   + " != leader's " + std::to_string(commit.value);
        }
        if (node.escort().last_applied_index() != commit) {
            return node_name(id) + " applied "
                   + std::to_string(node.escort().last_applied_index().value) + " != commit "
                   + std::to_string(commit.value);
        }
        if (node.escort().state_hash() != state) {
            return node_name(id) + " escort state differs from the leader's";
        }
    }
    if (!clients.idle()) {
        return "client requests still unacknowledged";
    }
    return {};
}

void check_acknowledged(SimCluster& cluster, const SimClients& clients)
{
    const std::optional<raft::NodeId> leader = cluster.leader();
    const raft::Index applied =
        leader ? cluster.node(*leader).escort().last_applied_index() : raft::Index{0};
    for (const AckedRequest& acked : clients.acked()) {
        if (acked.client_id == "mission") {
            continue;
        }
        // P1: an acknowledged move is applied (exactly once: the checker saw
        // no second); an acknowledged timing change is applied.
        const std::optional<raft::Index> index =
            acked.kind == escort::CommandKind::timing
                ? cluster.checker().timing_index(acked.client_id, acked.sequence)
                : cluster.checker().move_index(acked.client_id, acked.sequence);
        if (!index || *index > applied) {
            cluster.checker().fail("acknowledged move lost: (" + acked.client_id + ", "
                                   + std::to_string(acked.sequence) + ") acked by "
                                   + node_name(acked.node) + " at index "
                                   + std::to_string(acked.position.index.value) + " term "
                                   + std::to_string(acked.position.term.value)
                                   + " is not applied on the healed cluster");
            return;
        }
    }
}

void check_mission_progress(SimCluster& cluster, const SimOptions& options)
{
    std::uint64_t steps = 0;
    for (raft::NodeId id : cluster.node_ids()) {
        if (cluster.node(id).live()) {
            steps = std::max(steps, cluster.node(id).escort().mission().steps_taken);
        }
    }
    const std::uint64_t required = std::max<std::uint64_t>(
        k_fault_free_steps_min, options.chaos_ticks / k_fault_free_ticks_per_step_max);
    if (steps < required) {
        cluster.checker().fail("liveness: the mission took only " + std::to_string(steps)
                               + " steps in " + std::to_string(options.chaos_ticks)
                               + " fault-free ticks");
    }
}

} // namespace

RunResult run_seed(std::uint64_t seed, const RunSettings& settings)
{
    std::ostream* trace = settings.trace;
    SimOptions options = SimOptions::from_seed(seed);
    options.mutations = settings.mutations;
    if (trace != nullptr) {
        *trace << options.describe();
    }
    ClusterOptions cluster_options;
    cluster_options.seed = seed;
    cluster_options.voter_count = options.voter_count;
    cluster_options.spare_count = options.spare_count;
    cluster_options.snapshot_interval_entries = options.snapshot_interval_entries;
    cluster_options.entries_per_message_max = options.entries_per_message_max;
    cluster_options.network = options.network;
    cluster_options.mutations = options.mutations;
    cluster_options.pre_vote = options.pre_vote;
    cluster_options.check_quorum = options.check_quorum;
    cluster_options.autopilot = true;
    cluster_options.trace = trace;
    SimCluster cluster(cluster_options);

    ClientOptions client_options;
    client_options.client_count = options.client_count;
    client_options.timeout_ticks = options.client_timeout_ticks;
    client_options.think_ticks_max = options.client_think_ticks_max;
    client_options.read_share = options.read_share;
    client_options.timing_share = options.timing_share;
    client_options.timing_switches = options.timing_switches;
    SimClients clients(client_options, derive_seed(seed, 4));
    clients.attach(cluster);
    Chaos chaos(options.chaos, derive_seed(seed, 5));

    // Chaos phase: faults from the seed, invariants after every event.
    for (std::uint32_t tick = 0; tick < options.chaos_ticks && !cluster.failed(); ++tick) {
        chaos.before_tick(cluster);
        clients.tick(cluster);
        cluster.run_tick();
    }
    if (!cluster.failed() && options.fault_free()) {
        check_mission_progress(cluster, options);
    }

    // Heal phase: every fault off, everyone back; the cluster must converge.
    if (!cluster.failed()) {
        cluster.trace("heal: all faults off");
        chaos.heal(cluster);
        cluster.set_network(NetworkOptions{});
        cluster.set_autopilot(false);
        clients.set_new_requests(false);
        std::string gap = convergence_gap(cluster, clients);
        for (std::uint32_t tick = 0;
             tick < options.heal_ticks_max && !gap.empty() && !cluster.failed(); ++tick) {
            clients.tick(cluster);
            cluster.run_tick();
            gap = convergence_gap(cluster, clients);
        }
        if (!cluster.failed() && !gap.empty()) {
            cluster.checker().fail("liveness: no convergence "
                                   + std::to_string(options.heal_ticks_max)
                                   + " ticks after healing: " + gap);
        }
    }
    if (!cluster.failed()) {
        check_acknowledged(cluster, clients);
    }

    RunResult result;
    result.seed = seed;
    result.passed = !cluster.failed();
    result.failure = cluster.failure();
    result.ticks = cluster.now();
    result.events = cluster.events();
    result.acks = clients.stats().acks;
    result.protocol_flips = chaos.protocol_flips();
    if (trace != nullptr) {
        const NetworkStats& net = cluster.network_stats();
        *trace << "end of seed " << seed << " at tick " << cluster.now() << ": "
               << (result.passed ? "passed" : "FAILED: " + result.failure) << "\n"
               << "  events " << cluster.events() << ", client acks " << clients.stats().acks
               << ", timeouts " << clients.stats().timeouts << ", crashes " << chaos.crashes()
               << ", partitions " << chaos.partitions() << ", transfers " << chaos.transfers()
               << ", leader-gone hints " << chaos.leader_gone_hints() << ", protocol flips "
               << chaos.protocol_flips() << "\n"
               << "  read attempts " << clients.stats().reads << ", served "
               << clients.stats().reads_served << ", abandoned " << clients.stats().reads_abandoned
               << "\n"
               << "  messages sent " << net.sent << ", delivered " << net.delivered << ", dropped "
               << net.dropped_random << " random / " << net.dropped_partition << " partition / "
               << net.dropped_queue_full << " queue / " << net.dropped_unreachable
               << " unreachable, duplicated " << net.duplicated << "\n";
    }
    return result;
}

} // namespace raftescort::sim
