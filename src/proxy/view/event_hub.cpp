#include "proxy/view/event_hub.hpp"

#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace raftescort::proxy {

std::string format_server_sent_event(const ServerSentEvent& event)
{
    // A newline inside data would end the field; JSON dumps have none, but
    // the format must hold whatever a caller passes.
    RE_ASSERT(event.name.find('\n') == std::string::npos);
    RE_ASSERT(event.data.find('\n') == std::string::npos);
    return "event: " + event.name + "\ndata: " + event.data + "\n\n";
}

EventSubscription::EventSubscription(std::size_t queue_events_max, Overflow overflow)
    : m_queue_events_max(queue_events_max), m_overflow(overflow)
{
    RE_ASSERT(m_queue_events_max > 0);
}

EventSubscription::Wait EventSubscription::next(std::int64_t timeout_ms, ServerSentEvent& event)
{
    std::unique_lock lock(m_mutex);
    m_ready.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                     [this] { return m_closed || !m_queue.empty(); });
    if (m_dropped || (m_closed && m_queue.empty())) {
        return Wait::closed;
    }
    if (m_queue.empty()) {
        return Wait::timeout;
    }
    event = std::move(m_queue.front());
    m_queue.pop_front();
    return Wait::event;
}

void EventSubscription::close()
{
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_ready.notify_all();
}

bool EventSubscription::dropped() const
{
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

std::uint64_t EventSubscription::events_dropped() const
{
    std::lock_guard lock(m_mutex);
    return m_events_dropped;
}

bool EventSubscription::is_closed() const
{
    std::lock_guard lock(m_mutex);
    return m_closed;
}

bool EventSubscription::offer(const ServerSentEvent& event)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_closed) {
            return true;
        }
        if (m_queue.size() >= m_queue_events_max && m_overflow == Overflow::drop_event) {
            ++m_events_dropped;
            return true;
        }
        if (m_queue.size() >= m_queue_events_max) {
            m_dropped = true;
            m_closed = true;
            m_queue.clear();
        } else {
            m_queue.push_back(event);
        }
    }
    m_ready.notify_all();
    return !dropped();
}

EventHub::EventHub(EventHubOptions options) : m_options(options)
{
    RE_ASSERT(m_options.queue_events_max > m_options.records_remembered + 1);
    RE_ASSERT(m_options.subscribers_max > 0);
}

std::shared_ptr<EventSubscription> EventHub::subscribe(EventSubscription::Overflow overflow,
                                                      std::size_t queue_events_max)
{
    std::lock_guard lock(m_mutex);
    prune_locked();
    if (m_closed || m_subscriptions.size() >= m_options.subscribers_max) {
        return nullptr;
    }
    const std::size_t queue_max =
        queue_events_max == 0 ? m_options.queue_events_max : queue_events_max;
    RE_ASSERT(queue_max > m_options.records_remembered + 1);
    auto subscription = std::make_shared<EventSubscription>(queue_max, overflow);
    // The queue holds the status, the lesson and the records (asserted
    // above): never dropped here.
    if (m_latest_status) {
        subscription->offer(*m_latest_status);
    }
    if (m_lesson) {
        subscription->offer(*m_lesson);
    }
    for (const ServerSentEvent& record : m_recent_records) {
        subscription->offer(record);
    }
    m_subscriptions.push_back(subscription);
    return subscription;
}

void EventHub::publish_status(ServerSentEvent event)
{
    std::lock_guard lock(m_mutex);
    publish_locked(event);
    m_latest_status = std::move(event);
}

void EventHub::publish_record(ServerSentEvent event)
{
    std::lock_guard lock(m_mutex);
    publish_locked(event);
    m_recent_records.push_back(std::move(event));
    while (m_recent_records.size() > m_options.records_remembered) {
        m_recent_records.pop_front();
    }
}

void EventHub::publish_lesson(ServerSentEvent event)
{
    std::lock_guard lock(m_mutex);
    publish_locked(event);
    m_lesson = std::move(event);
}

void EventHub::clear_lesson(const ServerSentEvent& event)
{
    std::lock_guard lock(m_mutex);
    publish_locked(event);
    m_lesson.reset();
}

void EventHub::publish_live(const ServerSentEvent& event)
{
    std::lock_guard lock(m_mutex);
    publish_locked(event);
}

void EventHub::publish_locked(const ServerSentEvent& event)
{
    if (m_closed) {
        return;
    }
    for (const auto& subscription : m_subscriptions) {
        if (!subscription->offer(event)) {
            ++m_dropped_total;
            spdlog::info("dropped an event stream client that fell {} events behind",
                         m_options.queue_events_max);
        }
    }
    prune_locked();
}

void EventHub::prune_locked()
{
    std::erase_if(m_subscriptions, [](const std::shared_ptr<EventSubscription>& subscription) {
        return subscription->is_closed();
    });
}

void EventHub::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    for (const auto& subscription : m_subscriptions) {
        subscription->close();
    }
    m_subscriptions.clear();
}

std::size_t EventHub::subscriber_count()
{
    std::lock_guard lock(m_mutex);
    prune_locked();
    return m_subscriptions.size();
}

std::uint64_t EventHub::dropped_total()
{
    std::lock_guard lock(m_mutex);
    return m_dropped_total;
}

} // namespace raftescort::proxy
