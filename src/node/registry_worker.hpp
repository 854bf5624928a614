#pragma once

// The registry worker: the one thread that talks to Redis for a node.
//
// A Redis that is down or paused makes every call wait for its timeout, so
// none of it may run on the loop thread: the loop posts records here and
// moves on. The worker refreshes this node's registration, reads the other
// registrations into the address book, flushes the registry's bounded outbox,
// and, when Redis comes back empty, writes again what the node knows
// (its registration, the bootstrap claim and the leader of every term it
// has seen): Redis is a record the cluster owes, not a source of truth.
// On each refresh it also publishes the
// cluster token (SET NX), so a flushed Redis gets it back.

#include "node/address_book.hpp"

#include <raftescort/raft/types.hpp>
#include <raftescort/registry/registry.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace raftescort::node {

/// The role name and term this node registers with, read when needed.
struct RegistrationState {
    std::string role;
    raft::Term term;
};

struct RegistryWorkerOptions {
    raft::NodeId self;
    std::string self_address;
    /// Published (SET NX) on every refresh, so a Redis that lost its data
    /// hands it to the next joiner; empty publishes nothing.
    std::string cluster_token = {};
    /// How often the registration is refreshed and the others are read.
    std::int64_t registration_interval_ms = 1000;
    /// A registration not refreshed for this long disappears from Redis.
    std::uint64_t registration_ttl_ms = 5000;
    /// How long the worker sleeps when it has nothing to do.
    std::int64_t idle_wait_ms = 50;
    /// Closures waiting for the worker; beyond this they are dropped.
    std::size_t queue_max = 20000;
};

class RegistryWorker {
public:
    using Work = std::function<void(registry::Registry&)>;
    using StateReader = std::function<RegistrationState()>;

    RegistryWorker(std::unique_ptr<registry::Registry> registry, RegistryWorkerOptions options,
                   AddressBook& address_book, StateReader read_state);
    /// Stops the thread after one last flush (bounded by the registry's timeouts).
    ~RegistryWorker();
    RegistryWorker(const RegistryWorker&) = delete;
    RegistryWorker& operator=(const RegistryWorker&) = delete;

    /// Queues work for the worker thread; never blocks. Dropped (and
    /// counted) when the queue is full.
    void post(Work work);
    /// Queues a leader record and remembers it, to write again after a reset.
    void record_leader(const registry::LeaderRecord& record);
    /// The log says `leader` led `term` (a leader_noop entry was applied).
    /// Written only if Redis loses its records: the leader itself writes the
    /// full record (with its votes) when it wins.
    void remember_leader(raft::Term term, raft::NodeId leader);

    bool connected() const { return m_connected.load(); }
    std::uint64_t dropped() const { return m_dropped.load(); }

private:
    void run();
    void refresh(registry::Registry& registry, std::int64_t now_ms);
    void publish_cluster_token(registry::Registry& registry, std::int64_t now_ms);
    void repopulate(registry::Registry& registry);

    std::unique_ptr<registry::Registry> m_registry;
    RegistryWorkerOptions m_options;
    AddressBook& m_address_book;
    StateReader m_read_state;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Work> m_queue;
    bool m_stopping = false;
    /// Leaders this node knows of, newest terms kept; touched by the worker only.
    std::map<raft::Term, registry::LeaderRecord> m_leaders;
    std::int64_t m_next_refresh_ms = 0;
    /// Whether the last publish found another token in Redis (warned once
    /// per change, not every second).
    bool m_token_conflict = false;

    std::atomic<bool> m_connected{false};
    std::atomic<std::uint64_t> m_dropped{0};
    std::thread m_thread;
};

} // namespace raftescort::node
