// Answers riding back in the response (include/raftescort/transport/reply_slot.hpp).

#include <raftescort/transport/reply_slot.hpp>

#include <raftescort/util/assert.hpp>

#include <utility>

namespace raftescort::transport {

bool ReplySlot::add(raft::Message& message)
{
    std::lock_guard lock(m_mutex);
    if (m_closed || m_taken) {
        return false;
    }
    m_messages.push_back(std::move(message));
    return true;
}

void ReplySlot::close()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_closed) {
            return;
        }
        m_closed = true;
    }
    m_closed_signal.notify_all();
}

std::vector<raft::Message> ReplySlot::take(Clock::time_point deadline)
{
    std::unique_lock lock(m_mutex);
    RE_ASSERT(!m_taken);
    m_closed_signal.wait_until(lock, deadline, [this] { return m_closed; });
    m_taken = true;
    return std::exchange(m_messages, {});
}

} // namespace raftescort::transport
