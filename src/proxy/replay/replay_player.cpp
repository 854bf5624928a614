#include "proxy/replay/replay_player.hpp"

#include "proxy/lesson/lesson_board.hpp"

#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <chrono>

namespace raftescort::proxy {

using nlohmann::json;

namespace {

/// How often a playing replay moves on: smooth enough for the dashboard,
/// whose status events come every 250 ms live.
constexpr std::int64_t k_tick_ms = 50;
/// While paused the status at the position is sent again this often: the
/// dashboard takes a view without a status for 1.5 s as stale.
constexpr double k_paused_status_ms = 1000;

} // namespace

ReplayPlayer::ReplayPlayer(const Recording& recording, EventHub& hub, double speed)
    : m_recording(recording), m_hub(hub)
{
    RE_ASSERT(!m_recording.lines.empty());
    RE_ASSERT(speed >= k_replay_speed_min && speed <= k_replay_speed_max);
    m_position.start_ms = m_recording.start_ms();
    m_position.end_ms = m_recording.end_ms();
    m_position.position_ms = m_position.start_ms;
    m_position.speed = speed;
    {
        std::lock_guard lock(m_mutex);
        send_between_locked(m_position.start_ms - 1, m_position.position_ms);
    }
    m_thread = std::thread([this] { run(); });
}

ReplayPlayer::~ReplayPlayer() { stop(); }

void ReplayPlayer::stop()
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

void ReplayPlayer::play()
{
    std::lock_guard lock(m_mutex);
    // At the end, play starts over, as a video player does.
    if (m_position.position_ms >= m_position.end_ms) {
        m_position.position_ms = m_position.start_ms;
        send_moment_locked(m_position.position_ms);
    }
    m_position.playing = true;
}

void ReplayPlayer::pause()
{
    std::lock_guard lock(m_mutex);
    m_position.playing = false;
}

void ReplayPlayer::step()
{
    std::lock_guard lock(m_mutex);
    m_position.playing = false;
    const std::size_t next = first_line_after(m_recording, m_position.position_ms);
    if (next >= m_recording.lines.size()) {
        return;
    }
    const std::int64_t to_ms = m_recording.lines[next].t_ms;
    RE_ASSERT(to_ms > m_position.position_ms);
    send_between_locked(m_position.position_ms, to_ms);
    m_position.position_ms = to_ms;
}

void ReplayPlayer::seek(std::int64_t to_ms)
{
    std::lock_guard lock(m_mutex);
    m_position.position_ms = std::clamp(to_ms, m_position.start_ms, m_position.end_ms);
    send_moment_locked(m_position.position_ms);
}

void ReplayPlayer::set_speed(double speed)
{
    RE_ASSERT(speed >= k_replay_speed_min);
    RE_ASSERT(speed <= k_replay_speed_max);
    std::lock_guard lock(m_mutex);
    m_position.speed = speed;
}

ReplayPosition ReplayPlayer::position()
{
    std::lock_guard lock(m_mutex);
    return m_position;
}

void ReplayPlayer::run()
{
    transport::name_this_thread("replay");
    std::unique_lock lock(m_mutex);
    auto last = std::chrono::steady_clock::now();
    double paused_ms = 0;
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(k_tick_ms),
                            [this] { return m_stopping; })) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed_ms =
            std::chrono::duration<double, std::milli>(now - last).count();
        last = now;
        if (!m_position.playing) {
            paused_ms += elapsed_ms;
            if (paused_ms >= k_paused_status_ms) {
                send_status_at_locked(m_position.position_ms);
                paused_ms = 0;
            }
            continue;
        }
        paused_ms = 0;
        const auto advance = static_cast<std::int64_t>(elapsed_ms * m_position.speed);
        const std::int64_t to_ms =
            std::min(m_position.position_ms + std::max<std::int64_t>(advance, 1),
                     m_position.end_ms);
        send_between_locked(m_position.position_ms, to_ms);
        m_position.position_ms = to_ms;
        if (to_ms >= m_position.end_ms) {
            m_position.playing = false;
        }
    }
}

void ReplayPlayer::send_between_locked(std::int64_t from_ms, std::int64_t to_ms)
{
    RE_ASSERT(from_ms <= to_ms);
    const std::size_t end = first_line_after(m_recording, to_ms);
    for (std::size_t i = first_line_after(m_recording, from_ms); i < end; ++i) {
        send_locked(m_recording.lines[i]);
    }
}

void ReplayPlayer::send_status_at_locked(std::int64_t t_ms)
{
    const ReplayView view = replay_view_at(m_recording, t_ms);
    nlohmann::json status = view.status.is_object() ? view.status : nlohmann::json::object();
    // The nodes as of the moment, from a snapshot when it is newer.
    status["nodes"] = view.nodes;
    m_hub.publish_status(ServerSentEvent{"status", status.dump()});
}

void ReplayPlayer::send_moment_locked(std::int64_t t_ms)
{
    send_status_at_locked(t_ms);
    send_lesson_locked(lesson_at(m_recording, t_ms));
}

void ReplayPlayer::send_locked(const RecordingLine& line)
{
    if (line.event == "status") {
        m_hub.publish_status(ServerSentEvent{"status", line.data.dump()});
    } else if (line.event == "record") {
        m_hub.publish_record(ServerSentEvent{"record", line.data.dump()});
    } else if (line.event == "trace") {
        m_hub.publish_live(ServerSentEvent{"trace", line.data.dump()});
    } else if (line.event == "lesson") {
        send_lesson_locked(line.data.is_object() && line.data.contains("lesson") ? line.data
                                                                                : json());
    }
}

void ReplayPlayer::send_lesson_locked(const json& banner)
{
    if (banner.is_object()) {
        m_hub.publish_lesson(ServerSentEvent{"lesson", transport::json_text(banner)});
        m_lesson_shown = true;
        return;
    }
    // Seeking through a recording without lessons sends nothing.
    if (m_lesson_shown) {
        m_hub.clear_lesson(ServerSentEvent{"lesson", k_lesson_cleared_json});
        m_lesson_shown = false;
    }
}

} // namespace raftescort::proxy
