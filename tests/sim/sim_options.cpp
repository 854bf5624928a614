#include "sim/sim_options.hpp"

#include "sim/sim_hash.hpp"

#include <raftescort/util/rng.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace raftescort::sim {

namespace {

std::string format_line(const char* name, const std::string& value)
{
    return std::string("  ") + name + " = " + value + "\n";
}

std::string format_double(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.3f", value);
    return buffer;
}

std::string format_range(std::uint64_t low, std::uint64_t high)
{
    return std::to_string(low) + ".." + std::to_string(high);
}

double draw_probability(util::Rng& rng, double low, double high)
{
    const double unit = static_cast<double>(rng.uniform(1'000'001)) / 1'000'000.0;
    return low + (high - low) * unit;
}

void draw_network(util::Rng& rng, SimOptions& options)
{
    NetworkOptions& network = options.network;
    // Swarm testing: each fault is on in about half the seeds, so some seeds
    // exercise a fault in isolation and others in combination.
    if (rng.chance(0.5)) {
        network.drop_probability = draw_probability(rng, 0.01, 0.30);
    }
    if (rng.chance(0.4)) {
        network.duplicate_probability = draw_probability(rng, 0.01, 0.10);
    }
    if (rng.chance(0.5)) {
        network.delay_ticks_max = static_cast<std::uint32_t>(rng.between(2, 6));
    }
    if (rng.chance(0.2)) {
        network.long_delay_probability = draw_probability(rng, 0.01, 0.10);
        network.long_delay_ticks_max = static_cast<std::uint32_t>(rng.between(10, 60));
    }
    network.link_queue_max = static_cast<std::size_t>(rng.between(32, 512));
}

void draw_chaos(util::Rng& rng, SimOptions& options)
{
    ChaosOptions& chaos = options.chaos;
    if (rng.chance(0.5)) {
        bool any_shape = false;
        for (bool& shape : chaos.partition_shapes) {
            shape = rng.chance(0.5);
            any_shape = any_shape || shape;
        }
        if (!any_shape) {
            chaos.partition_shapes[rng.uniform(k_partition_shape_count)] = true;
        }
        chaos.partition_probability = draw_probability(rng, 0.005, 0.04);
        chaos.partition_ticks_min = static_cast<std::uint32_t>(rng.between(10, 40));
        chaos.partition_ticks_max =
            chaos.partition_ticks_min + static_cast<std::uint32_t>(rng.between(0, 120));
        if (rng.chance(0.25)) {
            chaos.flapping_period_ticks = static_cast<std::uint32_t>(rng.between(5, 20));
        }
    }
    if (rng.chance(0.5)) {
        chaos.crash = true;
        chaos.crash_probability = draw_probability(rng, 0.005, 0.04);
        chaos.crash_down_ticks_min = static_cast<std::uint32_t>(rng.between(1, 20));
        chaos.crash_down_ticks_max =
            chaos.crash_down_ticks_min + static_cast<std::uint32_t>(rng.between(0, 80));
        chaos.crash_mid_write_share = draw_probability(rng, 0.0, 0.8);
        chaos.torn_writes = rng.chance(0.6);
        chaos.crash_leader_share = draw_probability(rng, 0.0, 0.7);
    }
    if (rng.chance(0.4)) {
        chaos.pause = true;
        chaos.pause_probability = draw_probability(rng, 0.003, 0.02);
        // One to five election timeouts: long enough to make a zombie leader.
        chaos.pause_ticks_min = static_cast<std::uint32_t>(rng.between(5, 20));
        chaos.pause_ticks_max =
            chaos.pause_ticks_min + static_cast<std::uint32_t>(rng.between(0, 80));
    }
    if (rng.chance(0.4)) {
        chaos.membership = true;
        chaos.membership_probability = draw_probability(rng, 0.005, 0.03);
    }
}

void draw_reads_transfers_config(util::Rng& rng, SimOptions& options)
{
    if (rng.chance(0.5)) {
        options.read_share = draw_probability(rng, 0.1, 0.6);
    }
    // Transfers are a fault of their own (a leader change nobody crashed for),
    // so fault-free seeds stay fault-free.
    if (!options.fault_free() && rng.chance(0.4)) {
        options.chaos.transfer = true;
        options.chaos.transfer_probability = draw_probability(rng, 0.002, 0.02);
    }
    // Each protection is off in about a quarter of the seeds, independently.
    options.pre_vote = !rng.chance(0.25);
    options.check_quorum = !rng.chance(0.25);
    // Drawn last, so that the faults every seed had before stay as they were.
    if (!options.fault_free() && rng.chance(0.5)) {
        options.chaos.leader_gone = true;
        options.chaos.leader_gone_probability = draw_probability(rng, 0.02, 0.5);
        options.chaos.leader_gone_wrong_probability = draw_probability(rng, 0.0, 0.005);
    }
}

} // namespace

const char* partition_shape_name(PartitionShape shape)
{
    switch (shape) {
    case PartitionShape::isolate_leader: return "isolate-leader";
    case PartitionShape::isolate_follower: return "isolate-follower";
    case PartitionShape::minority_split: return "minority-split";
    case PartitionShape::bridge: return "bridge";
    case PartitionShape::majorities_ring: return "majorities-ring";
    case PartitionShape::asymmetric_leader: return "asymmetric-leader";
    }
    return "unknown";
}

bool ChaosOptions::partitions_enabled() const
{
    for (bool shape : partition_shapes) {
        if (shape) {
            return true;
        }
    }
    return false;
}

bool SimMutations::any() const
{
    return core.vote_without_log_check || core.commit_old_term_by_count
           || core.leader_ignores_higher_term || core.apply_before_commit
           || forget_voted_for_on_restart || ack_before_persist;
}

std::optional<SimMutations> mutations_for(char letter)
{
    SimMutations mutations;
    switch (letter) {
    case 'a': mutations.core.vote_without_log_check = true; break;
    case 'b': mutations.core.commit_old_term_by_count = true; break;
    case 'c': mutations.forget_voted_for_on_restart = true; break;
    case 'd': mutations.ack_before_persist = true; break;
    case 'e': mutations.core.leader_ignores_higher_term = true; break;
    case 'f': mutations.core.apply_before_commit = true; break;
    default: return std::nullopt;
    }
    return mutations;
}

const char* mutant_name(char letter)
{
    switch (letter) {
    case 'a': return "vote_without_log_check";
    case 'b': return "commit_old_term_by_count";
    case 'c': return "forget_voted_for_on_restart";
    case 'd': return "ack_before_persist";
    case 'e': return "leader_ignores_higher_term";
    case 'f': return "apply_before_commit";
    }
    return "unknown";
}

bool SimOptions::fault_free() const
{
    return network.drop_probability == 0.0 && network.duplicate_probability == 0.0
           && network.delay_ticks_max == network.delay_ticks_min
           && network.long_delay_probability == 0.0 && !chaos.partitions_enabled() && !chaos.crash
           && !chaos.pause && !chaos.membership && !chaos.transfer;
}

SimOptions SimOptions::from_seed(std::uint64_t seed)
{
    // Options come from their own stream so that the run's other random
    // draws never change which faults a seed enables.
    util::Rng rng(derive_seed(seed, 1));
    SimOptions options;
    options.seed = seed;
    const std::uint64_t size_draw = rng.uniform(100);
    options.voter_count = size_draw < 40 ? 3 : (size_draw < 85 ? 5 : 7);
    options.client_count = static_cast<std::size_t>(rng.between(2, 8));
    options.chaos_ticks = static_cast<std::uint32_t>(rng.between(600, 1600));
    options.snapshot_interval_entries = static_cast<std::uint32_t>(rng.between(5, 50));
    options.client_timeout_ticks = static_cast<std::uint32_t>(rng.between(20, 60));
    options.client_think_ticks_max = static_cast<std::uint32_t>(rng.between(1, 20));
    if (rng.chance(0.3)) {
        options.entries_per_message_max = static_cast<std::uint32_t>(rng.between(1, 4));
    }
    // About one seed in ten runs without any fault, to check liveness.
    if (rng.chance(0.9)) {
        draw_network(rng, options);
        draw_chaos(rng, options);
    }
    // Some seeds replay the shape of 6.824's Figure8 test: leaders crash
    // over and over, shortly after proposals, and come back quickly.
    if (rng.chance(0.15)) {
        options.figure8 = true;
        options.voter_count = 5;
        options.entries_per_message_max = static_cast<std::uint32_t>(rng.between(1, 2));
        ChaosOptions& chaos = options.chaos;
        chaos.crash = true;
        chaos.crash_probability = draw_probability(rng, 0.03, 0.10);
        chaos.crash_leader_share = 0.9;
        chaos.crash_down_ticks_min = 1;
        chaos.crash_down_ticks_max = static_cast<std::uint32_t>(rng.between(5, 30));
        chaos.crash_mid_write_share = draw_probability(rng, 0.0, 0.3);
        options.network.delay_ticks_max =
            std::max<std::uint32_t>(options.network.delay_ticks_max, 3);
    }
    if (options.chaos.membership) {
        options.spare_count = static_cast<std::size_t>(rng.between(1, 2));
    }
    // Drawn last, so that adding them left the older knobs of every seed as they were.
    draw_reads_transfers_config(rng, options);
    // Later still, for the same reason.
    if (rng.chance(0.3)) {
        options.timing_share = draw_probability(rng, 0.02, 0.1);
    }
    // Later still: the runtime protocol switches, replicated and node-local.
    options.timing_switches = options.timing_share > 0.0 && rng.chance(0.7);
    if (!options.fault_free() && rng.chance(0.4)) {
        options.chaos.protocol_flips = true;
        options.chaos.protocol_flip_probability = draw_probability(rng, 0.002, 0.03);
    }
    return options;
}

std::string SimOptions::describe() const
{
    std::string out = "options of seed " + std::to_string(seed) + ":\n";
    out += format_line("voters", std::to_string(voter_count));
    out += format_line("spares", std::to_string(spare_count));
    out += format_line("clients", std::to_string(client_count));
    out += format_line("chaos_ticks", std::to_string(chaos_ticks));
    out += format_line("heal_ticks_max", std::to_string(heal_ticks_max));
    out += format_line("snapshot_interval_entries", std::to_string(snapshot_interval_entries));
    out += format_line("entries_per_message_max", std::to_string(entries_per_message_max));
    out += format_line("figure8", figure8 ? "yes" : "no");
    out += format_line("client_timeout_ticks", std::to_string(client_timeout_ticks));
    out += format_line("client_think_ticks_max", std::to_string(client_think_ticks_max));
    out += format_line("drop_probability", format_double(network.drop_probability));
    out += format_line("duplicate_probability", format_double(network.duplicate_probability));
    out +=
        format_line("delay_ticks", format_range(network.delay_ticks_min, network.delay_ticks_max));
    out += format_line("long_delay_probability", format_double(network.long_delay_probability));
    out += format_line("long_delay_ticks_max", std::to_string(network.long_delay_ticks_max));
    out += format_line("link_queue_max", std::to_string(network.link_queue_max));
    std::string shapes;
    for (std::size_t i = 0; i < k_partition_shape_count; ++i) {
        if (chaos.partition_shapes[i]) {
            shapes += shapes.empty() ? "" : ",";
            shapes += partition_shape_name(static_cast<PartitionShape>(i));
        }
    }
    out += format_line("partition_shapes", shapes.empty() ? "none" : shapes);
    out += format_line("partition_probability", format_double(chaos.partition_probability));
    out += format_line("partition_ticks",
                       format_range(chaos.partition_ticks_min, chaos.partition_ticks_max));
    out += format_line("flapping_period_ticks", std::to_string(chaos.flapping_period_ticks));
    out += format_line("crash", chaos.crash ? "on" : "off");
    out += format_line("crash_probability", format_double(chaos.crash_probability));
    out += format_line("crash_down_ticks",
                       format_range(chaos.crash_down_ticks_min, chaos.crash_down_ticks_max));
    out += format_line("crash_mid_write_share", format_double(chaos.crash_mid_write_share));
    out += format_line("torn_writes", chaos.torn_writes ? "on" : "off");
    out += format_line("crash_leader_share", format_double(chaos.crash_leader_share));
    out += format_line("pause", chaos.pause ? "on" : "off");
    out += format_line("pause_probability", format_double(chaos.pause_probability));
    out += format_line("pause_ticks", format_range(chaos.pause_ticks_min, chaos.pause_ticks_max));
    out += format_line("membership", chaos.membership ? "on" : "off");
    out += format_line("membership_probability", format_double(chaos.membership_probability));
    out += format_line("transfer", chaos.transfer ? "on" : "off");
    out += format_line("transfer_probability", format_double(chaos.transfer_probability));
    out += format_line("leader_gone", chaos.leader_gone ? "on" : "off");
    out += format_line("leader_gone_probability", format_double(chaos.leader_gone_probability));
    out += format_line("leader_gone_wrong_probability",
                       format_double(chaos.leader_gone_wrong_probability));
    out += format_line("read_share", format_double(read_share));
    out += format_line("timing_share", format_double(timing_share));
    out += format_line("timing_switches", timing_switches ? "on" : "off");
    out += format_line("protocol_flips", chaos.protocol_flips ? "on" : "off");
    out += format_line("protocol_flip_probability",
                       format_double(chaos.protocol_flip_probability));
    out += format_line("pre_vote", pre_vote ? "on" : "off");
    out += format_line("check_quorum", check_quorum ? "on" : "off");
    std::string mutants;
    for (char letter : k_mutant_letters) {
        const SimMutations only = *mutations_for(letter);
        const bool on =
            (only.core.vote_without_log_check && mutations.core.vote_without_log_check)
            || (only.core.commit_old_term_by_count && mutations.core.commit_old_term_by_count)
            || (only.forget_voted_for_on_restart && mutations.forget_voted_for_on_restart)
            || (only.ack_before_persist && mutations.ack_before_persist)
            || (only.core.leader_ignores_higher_term && mutations.core.leader_ignores_higher_term)
            || (only.core.apply_before_commit && mutations.core.apply_before_commit);
        if (on) {
            mutants +=
                std::string(mutants.empty() ? "" : ",") + "(" + letter + ") " + mutant_name(letter);
        }
    }
    out += format_line("mutations", mutants.empty() ? "none" : mutants);
    out += format_line("fault_free", fault_free() ? "yes" : "no");
    return out;
}

} // namespace raftescort::sim
