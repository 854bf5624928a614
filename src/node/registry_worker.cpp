#include "node/registry_worker.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

namespace raftescort::node {

namespace {

// Enough terms to repopulate any realistic history; older ones are the
// least interesting and the stream of a demo rarely goes past a few hundred.
constexpr std::size_t k_remembered_leaders_max = 4096;

} // namespace

RegistryWorker::RegistryWorker(std::unique_ptr<registry::Registry> registry,
                               RegistryWorkerOptions options, AddressBook& address_book,
                               StateReader read_state)
    : m_registry(std::move(registry)), m_options(std::move(options)), m_address_book(address_book),
      m_read_state(std::move(read_state))
{
    RE_ASSERT(m_registry != nullptr);
    RE_ASSERT(m_options.self != raft::k_no_node);
    m_thread = std::thread([this] {
        transport::name_this_thread("registry");
        run();
    });
}

RegistryWorker::~RegistryWorker()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    spdlog::debug("registry worker stopped");
}

void RegistryWorker::post(Work work)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_queue.size() >= m_options.queue_max) {
            m_dropped.fetch_add(1);
            return;
        }
        m_queue.push_back(std::move(work));
    }
    m_wake.notify_one();
}

void RegistryWorker::record_leader(const registry::LeaderRecord& record)
{
    post([this, record](registry::Registry& registry) {
        m_leaders[record.term] = record;
        registry.record_leader(record);
    });
}

void RegistryWorker::remember_leader(raft::Term term, raft::NodeId leader)
{
    post([this, term, leader](registry::Registry&) {
        auto [it, inserted] = m_leaders.try_emplace(term);
        if (inserted) {
            it->second.id = leader;
            it->second.term = term;
            it->second.timestamp_ms = transport::wall_clock_ms();
        }
        while (m_leaders.size() > k_remembered_leaders_max) {
            m_leaders.erase(m_leaders.begin());
        }
    });
}

void RegistryWorker::run()
{
    bool stopping = false;
    while (!stopping) {
        std::deque<Work> work;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(m_options.idle_wait_ms),
                            [this] { return m_stopping || !m_queue.empty(); });
            work.swap(m_queue);
            stopping = m_stopping;
        }
        for (Work& item : work) {
            item(*m_registry);
        }
        std::int64_t now_ms = transport::monotonic_ms();
        if (now_ms >= m_next_refresh_ms && !stopping) {
            m_next_refresh_ms = now_ms + m_options.registration_interval_ms;
            refresh(*m_registry, now_ms);
        }
        registry::FlushReport report = m_registry->flush(now_ms);
        for (const registry::LeaderConflict& conflict : report.leader_conflicts) {
            // Raft §5.2 allows one leader per term; two means a bug somewhere.
            spdlog::error("election safety violated? Redis records leader {} for term {}, and "
                          "node {} claimed it too",
                          conflict.recorded.value, conflict.term.value, conflict.attempted.value);
        }
        bool connected = m_registry->connected();
        if (connected != m_connected.exchange(connected)) {
            if (connected) {
                spdlog::info("registry: connected to Redis at {}",
                             m_registry->options().url.redacted());
            } else {
                spdlog::warn("registry: Redis unreachable ({}); records wait in a bounded buffer",
                             m_registry->last_error() ? m_registry->last_error()->message
                                                      : "no answer");
            }
        }
        if (m_registry->redis_was_reset()) {
            spdlog::warn("registry: Redis lost its data; writing back what this node knows");
            repopulate(*m_registry);
            m_registry->acknowledge_reset();
        }
    }
}

void RegistryWorker::refresh(registry::Registry& registry, std::int64_t now_ms)
{
    RegistrationState state = m_read_state();
    registry::NodeRegistration registration;
    registration.id = m_options.self;
    registration.address = m_options.self_address;
    registration.role = state.role;
    registration.term = state.term;
    registration.ttl_ms = m_options.registration_ttl_ms;
    registration.timestamp_ms = transport::wall_clock_ms();
    registry.register_node(registration);

    // Only ask when a connection exists: a read while Redis is down would
    // wait out a timeout every second for nothing.
    if (!registry.connected()) {
        return;
    }
    publish_cluster_token(registry, now_ms);
    util::Result<registry::NodeListing> listing = registry.list_nodes(now_ms);
    if (!listing.ok()) {
        return;
    }
    for (const registry::NodeRegistration& node : listing.value().live) {
        if (node.id != m_options.self) {
            m_address_book.set(node.id, node.address);
        }
    }
}

void RegistryWorker::publish_cluster_token(registry::Registry& registry, std::int64_t now_ms)
{
    if (m_options.cluster_token.empty()) {
        return;
    }
    util::Result<std::string> holder =
        registry.publish_cluster_token(now_ms, m_options.cluster_token);
    if (!holder.ok()) {
        return; // Best effort: the next refresh publishes again.
    }
    const bool conflict = holder.value() != m_options.cluster_token;
    if (conflict && !m_token_conflict) {
        // Nodes that learn the token from Redis will get the other one and
        // this node will refuse them (and they it): one of the two is wrong.
        spdlog::warn("registry: Redis holds another cluster token for cluster {} than this node "
                     "uses; nodes joining through Redis will not be able to talk to this one. "
                     "Give every node the same --cluster-token, or delete "
                     "raftescort:{}:cluster-token to let this node publish its own",
                     m_registry->options().cluster_id, m_registry->options().cluster_id);
    }
    m_token_conflict = conflict;
}

void RegistryWorker::repopulate(registry::Registry& registry)
{
    refresh(registry, transport::monotonic_ms());
    util::Result<raft::NodeId> claim =
        registry.claim_bootstrap(transport::monotonic_ms(), m_options.self);
    (void)claim; // Best effort: the next reset detection retries.
    for (auto& [term, record] : m_leaders) {
        if (record.name.empty()) {
            record.name = m_address_book.get(record.id).value_or("");
            if (record.id == m_options.self) {
                record.name = m_options.self_address;
            }
        }
        registry.record_leader(record);
    }
}

} // namespace raftescort::node
