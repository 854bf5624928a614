// GET /metrics (Prometheus text) and GET /events (server-sent events).

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"

#include <memory>

namespace raftescort::proxy {

namespace {

/// How long an idle event stream waits before it sends a comment line: it
/// keeps proxies in between from closing the stream, and a write to a
/// client that has gone fails, which ends the stream and frees its thread.
constexpr std::int64_t k_event_keepalive_ms = 1000;

} // namespace

void reply_event_stream(EventHub& hub, httplib::Response& response)
{
    std::shared_ptr<EventSubscription> subscription = hub.subscribe();
    if (!subscription) {
        reply_error(response, 503, "too many event streams are open; retry later");
        return;
    }
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Accel-Buffering", "no");
    // Exactly "text/event-stream": httplib compresses other text/* types,
    // and a compressor buffers small chunks, which would hold events back.
    response.set_chunked_content_provider(
        "text/event-stream",
        [subscription](std::size_t, httplib::DataSink& sink) {
            ServerSentEvent event;
            switch (subscription->next(k_event_keepalive_ms, event)) {
            case EventSubscription::Wait::event: {
                const std::string text = format_server_sent_event(event);
                return sink.write(text.data(), text.size());
            }
            case EventSubscription::Wait::timeout: {
                static constexpr char k_comment[] = ": keep-alive\n\n";
                return sink.write(k_comment, sizeof(k_comment) - 1);
            }
            case EventSubscription::Wait::closed: sink.done(); return true;
            }
            return false;
        },
        [subscription](bool) { subscription->close(); });
}

void install_stream_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/metrics", [&context](const httplib::Request&, httplib::Response& response) {
        MetricsInput input;
        input.snapshot = *context.view.snapshot();
        input.leader = context.view.leader_stats();
        input.move_commit = context.metrics.move_commit();
        input.forwards = context.metrics.forwards();
        input.redis_up = context.registry.connected();
        input.event_clients = context.hub.subscriber_count();
        input.event_clients_dropped = context.hub.dropped_total();
        response.set_content(render_metrics(input), "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/events", [&context](const httplib::Request&, httplib::Response& response) {
        reply_event_stream(context.hub, response);
    });
}

} // namespace raftescort::proxy
