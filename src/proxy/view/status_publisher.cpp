#include "proxy/view/status_publisher.hpp"

#include "proxy/view/cluster_json.hpp"

#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <chrono>

namespace raftescort::proxy {

StatusPublisher::StatusPublisher(ClusterView& view, EventHub& hub, std::int64_t interval_ms,
                                 std::function<void()> each_interval)
    : m_view(view), m_hub(hub), m_interval_ms(interval_ms),
      m_each_interval(std::move(each_interval))
{
    RE_ASSERT(m_interval_ms > 0);
    m_thread = std::thread([this] {
        transport::name_this_thread("publish");
        run();
    });
}

StatusPublisher::~StatusPublisher() { stop(); }

void StatusPublisher::stop()
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

void StatusPublisher::run()
{
    std::string last_sent;
    while (true) {
        std::string text = transport::json_text(status_event_json(*m_view.snapshot()));
        if (text != last_sent) {
            m_hub.publish_status(ServerSentEvent{"status", text});
            last_sent = std::move(text);
        }
        if (m_each_interval) {
            m_each_interval();
        }
        std::unique_lock lock(m_mutex);
        if (m_wake.wait_for(lock, std::chrono::milliseconds(m_interval_ms),
                            [this] { return m_stopping; })) {
            return;
        }
    }
}

} // namespace raftescort::proxy
