#pragma once

// SimClients: the clients of a random run. Each client has one request at a
// time, a move{dx,dy} tagged (client_id, sequence), sent to the node it
// believes leads. A request is acknowledged when the node that accepted it
// applies an entry at the returned index with the returned term. On timeout
// or a different term at that index the client retries the SAME (client_id,
// sequence), maybe elsewhere; it may have committed anyway (Jepsen "info"),
// which the escort's deduplication absorbs. Only after an ack does the
// client move on to sequence + 1. A "mission" client first asks for the
// mission {target [100,0], run}.

#include "sim/sim_cluster.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace raftescort::sim {

struct ClientOptions {
    std::size_t client_count = 2;
    std::uint32_t timeout_ticks = 30;
    std::uint32_t think_ticks_max = 10;
    /// Probability that a move client's next request is a read.
    double read_share = 0.0;
    /// Probability that a move client's next request changes the timing.
    double timing_share = 0.0;
    /// Whether a timing command also sets pre-vote and check-quorum.
    bool timing_switches = false;
};

/// A request some client saw acknowledged.
struct AckedRequest {
    std::string client_id;
    std::uint64_t sequence = 0;
    raft::NodeId node;
    raft::LogPosition position;
    escort::CommandKind kind = escort::CommandKind::move;
};

struct ClientStats {
    std::uint64_t proposals = 0;
    std::uint64_t acks = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t lost = 0;
    /// read_index calls, refused ones included.
    std::uint64_t reads = 0;
    std::uint64_t reads_served = 0;
    std::uint64_t reads_abandoned = 0;
};

class SimClients {
public:
    SimClients(const ClientOptions& options, std::uint64_t seed);

    /// Registers the apply observer on `cluster`; call once.
    void attach(SimCluster& cluster);
    /// One tick of client activity, before the cluster's tick.
    void tick(SimCluster& cluster);
    /// With false, clients finish (retry) what they have but start nothing new.
    void set_new_requests(bool on) { m_new_requests = on; }
    /// No request outstanding.
    bool idle() const;
    const std::vector<AckedRequest>& acked() const { return m_acked; }
    const ClientStats& stats() const { return m_stats; }

private:
    struct Client {
        escort::Command command;
        bool has_request = false;
        bool in_flight = false;
        raft::NodeId node;
        raft::LogPosition position;
        std::uint64_t deadline_tick = 0;
        std::uint64_t next_attempt_tick = 0;
        raft::NodeId believed_leader;
        /// The mission client stops after its one request.
        bool finished = false;
        /// The request is a read, not `command`; `read_id` names the attempt in flight.
        bool read = false;
        std::uint64_t read_id = 0;
    };

    void on_applied(SimCluster& cluster, raft::NodeId node, const raft::Entry& entry);
    void on_read_served(SimCluster& cluster, raft::NodeId node, const ServedRead& read);
    void next_request(std::size_t index);
    void attempt(SimCluster& cluster, std::size_t index);
    void attempt_read(SimCluster& cluster, std::size_t index);
    /// After an attempt the node refused: follow its leader hint, if it has one.
    void follow_hint(SimCluster& cluster, Client& client, raft::NodeId refused_by);
    raft::NodeId choose_node(SimCluster& cluster, const Client& client);

    ClientOptions m_options;
    util::Rng m_rng;
    std::vector<Client> m_clients;
    /// Per node: index -> client index of the proposal accepted there.
    std::map<raft::NodeId, std::map<raft::Index, std::size_t>> m_pending;
    std::vector<AckedRequest> m_acked;
    ClientStats m_stats;
    bool m_new_requests = true;
    /// Read request ids, unique in the run (the core echoes them back).
    std::uint64_t m_next_read_id = 1;
};

} // namespace raftescort::sim
