#include "proxy/view/trace_follower.hpp"

#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <chrono>
#include <utility>

namespace raftescort::proxy {

using nlohmann::json;

namespace {

/// Items asked for per node and round: more than a node records in a
/// round under any load (message_trace.hpp bounds it), so none are skipped.
constexpr int k_page_limit = 500;

} // namespace

TraceFollower::TraceFollower(ClusterView& view, EventHub& hub, TraceFollowerOptions options)
    : m_view(view), m_hub(hub), m_options(std::move(options))
{
    RE_ASSERT(m_options.fetch);
    RE_ASSERT(m_options.interval_ms > 0);
    m_thread = std::thread([this] { run(); });
}

TraceFollower::~TraceFollower() { stop(); }

void TraceFollower::stop()
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

void TraceFollower::run()
{
    transport::name_this_thread("trace");
    while (true) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(m_options.interval_ms),
                            [this] { return m_stopping; });
            if (m_stopping) {
                return;
            }
        }
        if (m_hub.subscriber_count() == 0) {
            m_cursors.clear();
            continue;
        }
        const std::shared_ptr<const ClusterSnapshot> snapshot = m_view.snapshot();
        for (const NodeView& node : snapshot->nodes) {
            if (node.reachable) {
                follow(node);
            }
        }
    }
}

void TraceFollower::follow(const NodeView& node)
{
    auto cursor = m_cursors.find(node.id);
    const std::string path =
        cursor == m_cursors.end()
            ? std::string("/raft/trace")
            : "/raft/trace?after=" + std::to_string(cursor->second)
                  + "&limit=" + std::to_string(k_page_limit);
    util::Result<json> page = m_options.fetch(node, path);
    if (!page.ok() || !page.value().contains("next") || !page.value()["next"].is_number_unsigned()) {
        return;
    }
    m_cursors[node.id] = page.value()["next"].get<std::uint64_t>();
    const json& messages = page.value()["messages"];
    if (!messages.is_array() || messages.empty()) {
        return;
    }
    json event{{"node", node.id},
               {"missed", page.value().value("missed", json(0))},
               {"messages", messages}};
    m_hub.publish_live(ServerSentEvent{"trace", event.dump()});
}

} // namespace raftescort::proxy
