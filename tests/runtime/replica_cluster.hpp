#pragma once

// Test harness for the runtime: a few Replicas on real disk (one mkdtemp
// directory each) and a tiny in-memory message bus. The bus delivers every
// outgoing message to the target's raft().step(...), calls process_ready on
// it and queues what that sends in turn, until the bus is quiet. Time moves
// only by tick_all(). Nodes can be cut off: their traffic both ways is dropped.

#include <raftescort/escort/escort.hpp>
#include <raftescort/runtime/replica.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace runtime_test {

namespace raft = raftescort::raft;
namespace escort = raftescort::escort;
namespace runtime = raftescort::runtime;

/// Each test's own directory on disk.
class TempDir : public raftescort::testing::TempDir {
public:
    TempDir() : raftescort::testing::TempDir("runtime-test") { }
};

inline const std::string k_cluster_id = "convoy-test";

/// Messages the bus delivers per settle() at most; a run that never goes
/// quiet is a bug, not something to wait out.
constexpr std::uint64_t k_deliveries_per_settle_max = 100'000;
/// Ticks wait_for_leader() allows; the election timeout is 10 to 20 ticks.
constexpr int k_election_ticks_max = 500;

inline runtime::ReplicaOptions replica_options(const std::string& data_dir, std::uint64_t id,
                                               const raft::ConfState& conf)
{
    runtime::ReplicaOptions options;
    options.data_dir = data_dir;
    options.cluster_id = k_cluster_id;
    options.raft.id = raft::NodeId{id};
    options.raft.election_ticks = 10;
    options.raft.heartbeat_ticks = 1;
    // Distinct jitter per node so one of them times out first.
    options.raft.seed = 1000 + id;
    options.bootstrap_conf = conf;
    return options;
}

class ReplicaCluster {
public:
    /// Nodes 1..size, each in its own temporary directory, all founders.
    explicit ReplicaCluster(std::uint64_t size, std::uint64_t snapshot_every_entries,
                            std::uint64_t segment_bytes_max = 64ULL * 1024 * 1024)
    {
        raft::ConfState conf;
        for (std::uint64_t id = 1; id <= size; ++id) {
            conf.voters.insert(raft::NodeId{id});
        }
        for (std::uint64_t id = 1; id <= size; ++id) {
            m_dirs.push_back(std::make_unique<TempDir>());
            runtime::ReplicaOptions options = replica_options(m_dirs.back()->path(), id, conf);
            options.snapshot_every_entries = snapshot_every_entries;
            options.segment_bytes_max = segment_bytes_max;
            m_options[raft::NodeId{id}] = options;
        }
        for (const auto& [id, options] : m_options) {
            open(id);
        }
    }

    runtime::Replica& at(raft::NodeId id)
    {
        REQUIRE(m_replicas.count(id) == 1);
        return *m_replicas.at(id);
    }
    runtime::Replica& at(std::uint64_t id) { return at(raft::NodeId{id}); }
    std::vector<raft::NodeId> ids() const
    {
        std::vector<raft::NodeId> result;
        for (const auto& [id, replica] : m_replicas) {
            result.push_back(id);
        }
        return result;
    }
    const runtime::ReplicaOptions& options(raft::NodeId id) const { return m_options.at(id); }

    /// Opens the node from its directory and carries out its first Ready
    /// (recovered committed entries, or the bootstrap membership).
    void open(raft::NodeId id)
    {
        REQUIRE(m_replicas.count(id) == 0);
        auto opened = runtime::Replica::open(m_options.at(id));
        INFO((opened.ok() ? std::string("ok") : opened.error().message));
        REQUIRE(opened.ok());
        m_replicas[id] = std::move(opened.value());
        process(id);
        settle();
    }
    /// Destroys the node's in-memory state; its directory stays.
    void close(raft::NodeId id)
    {
        REQUIRE(m_replicas.erase(id) == 1);
        std::erase_if(m_in_flight, [id](const raft::Message& m) { return m.to == id; });
    }
    void close_all()
    {
        m_replicas.clear();
        m_in_flight.clear();
    }

    void cut(raft::NodeId id) { m_cut.insert(id); }
    void heal(raft::NodeId id) { m_cut.erase(id); }

    /// The leader's snapshot the node installed most recently, if any.
    std::optional<raft::SnapshotMetadata> installed(raft::NodeId id) const
    {
        auto found = m_installed.find(id);
        return found == m_installed.end() ? std::nullopt : found->second;
    }

    /// Entries the node applied one by one since the cluster was built.
    const std::vector<raft::Entry>& applied(raft::NodeId id) { return m_applied[id]; }

    /// Runs process_ready on the node and queues its messages.
    void process(raft::NodeId id)
    {
        auto outcome = at(id).process_ready();
        INFO((outcome.ok() ? std::string("ok") : outcome.error().message));
        REQUIRE(outcome.ok());
        for (const runtime::AppliedEntry& applied : outcome.value().applied) {
            m_applied[id].push_back(applied.entry);
        }
        if (outcome.value().snapshot_installed) {
            m_installed[id] = outcome.value().snapshot_installed;
        }
        for (raft::Message& message : outcome.value().messages) {
            m_in_flight.push_back(std::move(message));
        }
    }

    /// Delivers until no message is left in flight.
    void settle()
    {
        std::uint64_t deliveries = 0;
        while (!m_in_flight.empty()) {
            REQUIRE(++deliveries <= k_deliveries_per_settle_max);
            raft::Message message = std::move(m_in_flight.front());
            m_in_flight.pop_front();
            const bool dropped = m_cut.count(message.from) > 0 || m_cut.count(message.to) > 0
                                 || m_replicas.count(message.to) == 0;
            if (dropped) {
                continue;
            }
            at(message.to).raft().step(message);
            process(message.to);
        }
    }

    void tick_all(int ticks = 1)
    {
        for (int i = 0; i < ticks; ++i) {
            for (const raft::NodeId id : ids()) {
                at(id).raft().tick();
                process(id);
            }
            settle();
        }
    }

    /// The single node that leads, ticking until there is one.
    raft::NodeId wait_for_leader()
    {
        for (int tick = 0; tick < k_election_ticks_max; ++tick) {
            std::optional<raft::NodeId> found = leader();
            if (found) {
                return *found;
            }
            tick_all();
        }
        FAIL("no leader after " << k_election_ticks_max << " ticks");
        return raft::k_no_node;
    }

    std::optional<raft::NodeId> leader()
    {
        std::optional<raft::NodeId> found;
        for (const raft::NodeId id : ids()) {
            if (m_cut.count(id) == 0 && at(id).raft().role() == raft::Role::leader) {
                REQUIRE_FALSE(found.has_value());
                found = id;
            }
        }
        return found;
    }

    /// Proposes on the leader and delivers what follows.
    raft::LogPosition propose(const escort::Command& command)
    {
        raft::NodeId id = wait_for_leader();
        auto position = at(id).raft().propose(escort::encode_command(command));
        INFO((position.ok() ? std::string("ok") : position.error().message));
        REQUIRE(position.ok());
        process(id);
        settle();
        return position.value();
    }

    /// Proposes all commands on the leader, then carries them out together:
    /// one Ready, one fsync, one append per follower (group commit).
    void propose_batch(const std::vector<escort::Command>& commands)
    {
        raft::NodeId id = wait_for_leader();
        for (const escort::Command& command : commands) {
            auto position = at(id).raft().propose(escort::encode_command(command));
            INFO((position.ok() ? std::string("ok") : position.error().message));
            REQUIRE(position.ok());
        }
        process(id);
        settle();
    }

    /// Ticks until every connected node applied the leader's commit index.
    void wait_for_convergence(int ticks_max = 200)
    {
        for (int tick = 0; tick < ticks_max; ++tick) {
            if (converged()) {
                return;
            }
            tick_all();
        }
        REQUIRE(converged());
    }

    bool converged()
    {
        std::optional<raft::NodeId> id = leader();
        if (!id) {
            return false;
        }
        const raft::Index commit = at(*id).raft().commit_index();
        for (const raft::NodeId other : ids()) {
            if (m_cut.count(other) == 0 && at(other).escort().last_applied_index() != commit) {
                return false;
            }
        }
        return true;
    }

private:
    std::vector<std::unique_ptr<TempDir>> m_dirs;
    std::map<raft::NodeId, runtime::ReplicaOptions> m_options;
    std::map<raft::NodeId, std::unique_ptr<runtime::Replica>> m_replicas;
    std::map<raft::NodeId, std::optional<raft::SnapshotMetadata>> m_installed;
    std::map<raft::NodeId, std::vector<raft::Entry>> m_applied;
    std::set<raft::NodeId> m_cut;
    std::deque<raft::Message> m_in_flight;
};

inline escort::Command mission_command(escort::Point target)
{
    escort::Command command;
    command.kind = escort::CommandKind::mission;
    command.target = target;
    command.running = true;
    return command;
}

inline escort::Command move_command(std::int64_t dx, std::int64_t dy, std::uint64_t sequence)
{
    escort::Command command;
    command.kind = escort::CommandKind::move;
    command.dx = dx;
    command.dy = dy;
    command.client_id = "client-a";
    command.sequence = sequence;
    return command;
}

inline escort::Command step_command(escort::Point from)
{
    escort::Command command;
    command.kind = escort::CommandKind::step;
    command.from = from;
    return command;
}

} // namespace runtime_test
