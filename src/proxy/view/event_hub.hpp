#pragma once

// Fan-out of server-sent events (GET /events) to the connected clients.
//
// Producers (the status publisher, the registry poller) never wait for a
// client: each subscription has a bounded queue, and a client whose queue is
// full has fallen behind and is dropped (its stream ends; an EventSource
// reconnects and starts from the current status). A new subscriber first
// gets the latest status, the lesson banner in force if any, and the most
// recent records, so a dashboard that connects has something to draw at
// once. close() ends every stream, which lets the HTTP server stop.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::proxy {

struct ServerSentEvent {
    /// The event type ("status", "record", "trace", "lesson").
    std::string name;
    /// One line of JSON.
    std::string data;
};

/// The wire form: "event: <name>\ndata: <data>\n\n".
std::string format_server_sent_event(const ServerSentEvent& event);

class EventSubscription {
public:
    enum class Wait : std::uint8_t { event, timeout, closed };
    /// What a full queue does with one more event: a client is dropped (its
    /// browser reconnects and starts again from the current status); a
    /// recorder keeps its stream, loses the event and counts it.
    enum class Overflow : std::uint8_t { drop_subscription, drop_event };

    explicit EventSubscription(std::size_t queue_events_max,
                               Overflow overflow = Overflow::drop_subscription);

    /// Waits up to `timeout_ms` for the next event (moved into `event`).
    /// Returns `closed` when the subscription was closed and its queue is
    /// drained, and at once when it was dropped: a lagging client gets no
    /// more of a stream it cannot keep up with.
    Wait next(std::int64_t timeout_ms, ServerSentEvent& event);
    /// The client went away: producers skip this subscription from now on.
    void close();
    bool dropped() const;
    /// Events lost to a full queue (Overflow::drop_event only).
    std::uint64_t events_dropped() const;

private:
    friend class EventHub;
    /// Queues `event`; false (and the subscription is dropped) when full.
    bool offer(const ServerSentEvent& event);
    bool is_closed() const;

    const std::size_t m_queue_events_max;
    const Overflow m_overflow;
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<ServerSentEvent> m_queue;
    bool m_closed = false;
    bool m_dropped = false;
    std::uint64_t m_events_dropped = 0;
};

struct EventHubOptions {
    /// Events a client may fall behind by before it is dropped.
    std::size_t queue_events_max = 256;
    /// Streams at once; each holds one HTTP server thread.
    std::size_t subscribers_max = 32;
    /// Recent record events replayed to a new subscriber.
    std::size_t records_remembered = 32;
};

class EventHub {
public:
    explicit EventHub(EventHubOptions options);

    /// A new stream; empty when the hub is closed or full. `queue_events_max`
    /// 0 means the hub's own (EventHubOptions).
    std::shared_ptr<EventSubscription>
    subscribe(EventSubscription::Overflow overflow = EventSubscription::Overflow::drop_subscription,
              std::size_t queue_events_max = 0);
    /// Sends a status event and remembers it for new subscribers.
    void publish_status(ServerSentEvent event);
    /// Sends a record event and remembers it among the recent ones.
    void publish_record(ServerSentEvent event);
    /// Sends a lesson banner and remembers it for new subscribers, in place
    /// of the one before.
    void publish_lesson(ServerSentEvent event);
    /// Sends the event that takes the banner down, and forgets the banner:
    /// a new subscriber gets none.
    void clear_lesson(const ServerSentEvent& event);
    /// Sends an event of the moment (a message trace), remembered by no one.
    void publish_live(const ServerSentEvent& event);
    /// Ends every stream and refuses new ones. Idempotent.
    void close();

    std::size_t subscriber_count();
    /// Subscriptions dropped for falling behind, since start.
    std::uint64_t dropped_total();

private:
    void publish_locked(const ServerSentEvent& event);
    void prune_locked();

    const EventHubOptions m_options;
    std::mutex m_mutex;
    bool m_closed = false;
    std::vector<std::shared_ptr<EventSubscription>> m_subscriptions;
    std::optional<ServerSentEvent> m_latest_status;
    std::optional<ServerSentEvent> m_lesson;
    std::deque<ServerSentEvent> m_recent_records;
    std::uint64_t m_dropped_total = 0;
};

} // namespace raftescort::proxy
