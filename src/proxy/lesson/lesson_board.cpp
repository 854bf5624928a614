#include "proxy/lesson/lesson_board.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/json_text.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

namespace raftescort::proxy {

using nlohmann::json;

LessonBoard::LessonBoard(EventHub& hub, LessonBoardOptions options)
    : m_hub(hub), m_options(std::move(options))
{
    RE_ASSERT(m_options.running_expiry_ms > 0);
    RE_ASSERT(m_options.finished_expiry_ms > 0);
}

std::int64_t LessonBoard::now_ms() const
{
    return m_options.now_ms ? m_options.now_ms() : transport::wall_clock_ms();
}

json LessonBoard::post(json banner, const std::string& by)
{
    RE_ASSERT(banner.is_object());
    RE_ASSERT(banner.contains("state"));
    banner["at_ms"] = now_ms();
    banner["by"] = by;
    // Under the lock: the hub sees the events in the order the board changed.
    std::lock_guard lock(m_mutex);
    m_banner = banner;
    m_hub.publish_lesson(ServerSentEvent{"lesson", transport::json_text(m_banner)});
    return banner;
}

void LessonBoard::clear()
{
    std::lock_guard lock(m_mutex);
    clear_locked();
}

json LessonBoard::current()
{
    std::lock_guard lock(m_mutex);
    if (expired_locked(now_ms())) {
        clear_locked();
    }
    return m_banner;
}

bool LessonBoard::expire_if_due()
{
    std::lock_guard lock(m_mutex);
    if (!expired_locked(now_ms())) {
        return false;
    }
    spdlog::info("the lesson banner of {} expired: cleared",
                 m_banner.value("lesson", std::string("?")));
    clear_locked();
    return true;
}

bool LessonBoard::expired_locked(std::int64_t now) const
{
    if (!m_banner.is_object()) {
        return false;
    }
    const std::int64_t age_ms = now - m_banner.value("at_ms", now);
    const bool running = m_banner.value("state", std::string()) == "running";
    return age_ms >= (running ? m_options.running_expiry_ms : m_options.finished_expiry_ms);
}

void LessonBoard::clear_locked()
{
    if (m_banner.is_null()) {
        return;
    }
    m_banner = nullptr;
    m_hub.clear_lesson(ServerSentEvent{"lesson", k_lesson_cleared_json});
}

} // namespace raftescort::proxy
