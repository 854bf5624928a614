#include "proxy/view/registry_poller.hpp"

#include "proxy/view/records_json.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <spdlog/spdlog.h>

#include <optional>
#include <set>
#include <string_view>

namespace raftescort::proxy {

std::pair<std::uint64_t, std::uint64_t> parse_stream_id(const std::string& id)
{
    const std::size_t dash = id.find('-');
    if (dash == std::string::npos) {
        return {0, 0};
    }
    const std::string_view text = id;
    std::optional<std::uint64_t> milliseconds =
        util::parse_decimal<std::uint64_t>(text.substr(0, dash));
    std::optional<std::uint64_t> sequence =
        util::parse_decimal<std::uint64_t>(text.substr(dash + 1));
    if (!milliseconds || !sequence) {
        return {0, 0};
    }
    return {*milliseconds, *sequence};
}

RegistryPoller::RegistryPoller(SharedRegistry& registry, ClusterView& view, EventHub& hub,
                               RegistryPollerOptions options)
    : m_registry(registry), m_view(view), m_hub(hub), m_options(options)
{
    RE_ASSERT(m_options.nodes_interval_ms > 0);
    RE_ASSERT(m_options.events_interval_ms > 0);
    RE_ASSERT(m_options.events_backlog <= m_options.events_read_max);
    m_thread = std::thread([this] {
        transport::name_this_thread("poll-registry");
        run();
    });
}

RegistryPoller::~RegistryPoller() { stop(); }

void RegistryPoller::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void RegistryPoller::run()
{
    std::int64_t next_nodes_ms = 0;
    while (true) {
        const std::int64_t now_ms = transport::monotonic_ms();
        if (now_ms >= next_nodes_ms) {
            next_nodes_ms = now_ms + m_options.nodes_interval_ms;
            refresh_nodes();
        }
        forward_events();
        const bool up = m_registry.connected();
        if (up != m_redis_was_up) {
            m_redis_was_up = up;
            if (up) {
                spdlog::info("Redis answers");
            } else {
                spdlog::warn("Redis is unreachable: showing the nodes already known");
            }
        }
        std::unique_lock lock(m_mutex);
        if (m_wake.wait_for(lock, std::chrono::milliseconds(m_options.events_interval_ms),
                            [this] { return m_stopping; })) {
            return;
        }
    }
}

void RegistryPoller::refresh_nodes()
{
    auto listing = m_registry.use([](registry::Registry& registry, std::int64_t now_ms) {
        return registry.list_nodes(now_ms);
    });
    if (!listing.ok()) {
        return;
    }
    if (m_options.learn_cluster_token) {
        auto token = m_registry.use([](registry::Registry& registry, std::int64_t now_ms) {
            return registry.read_cluster_token(now_ms);
        });
        if (token.ok() && token.value()) {
            m_options.learn_cluster_token(*token.value());
        } else if (!token.ok()) {
            spdlog::warn("cannot read the cluster token from Redis: {}", token.error().message);
        }
    }
    std::set<std::uint64_t> live;
    for (const registry::NodeRegistration& registration : listing.value().live) {
        live.insert(registration.id.value);
        m_view.learn(registration.id.value, registration.address, AddressSource::registry);
    }
    m_view.set_registered(std::move(live));
}

void RegistryPoller::forward_events()
{
    const std::size_t count =
        m_events_started ? m_options.events_read_max : m_options.events_backlog;
    auto events = m_registry.use([count](registry::Registry& registry, std::int64_t now_ms) {
        return registry.read_events(now_ms, count);
    });
    if (!events.ok() || events.value().empty()) {
        return;
    }
    const auto newest = parse_stream_id(events.value().back().stream_id);
    if (newest < m_last_event) {
        // The stream restarted below what we saw: Redis lost its data.
        spdlog::info("the Redis event stream restarted; following the new one");
        m_last_event = {0, 0};
    }
    m_events_started = true;
    for (const registry::Event& event : events.value()) {
        const auto id = parse_stream_id(event.stream_id);
        if (id <= m_last_event) {
            continue;
        }
        m_last_event = id;
        m_hub.publish_record(ServerSentEvent{"record", transport::json_text(event_json(event))});
    }
}

} // namespace raftescort::proxy
