#pragma once

// Plays a recording back: a position on the recording's clock that moves
// with the wall clock times the speed while playing, and the events it
// passes sent to an event hub as the proxy sends them live (status,
// record, trace, lesson), so GET /events and the dashboard follow the
// replay. A seek sends the status and the lesson banner at the new position
// at once; a step sends the line it moves to. Thread-safe.

#include "proxy/replay/recording_file.hpp"
#include "proxy/view/event_hub.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace raftescort::proxy {

inline constexpr double k_replay_speed_min = 0.05;
inline constexpr double k_replay_speed_max = 100.0;

struct ReplayPosition {
    std::int64_t position_ms = 0;
    std::int64_t start_ms = 0;
    std::int64_t end_ms = 0;
    bool playing = false;
    double speed = 1.0;
};

class ReplayPlayer {
public:
    /// Starts paused at the recording's start.
    ReplayPlayer(const Recording& recording, EventHub& hub, double speed);
    /// stop().
    ~ReplayPlayer();
    ReplayPlayer(const ReplayPlayer&) = delete;
    ReplayPlayer& operator=(const ReplayPlayer&) = delete;

    void play();
    void pause();
    /// To the next line's moment, sending it; paused.
    void step();
    /// To `to_ms` (clamped to the recording), paused or playing as before.
    void seek(std::int64_t to_ms);
    /// Within [k_replay_speed_min, k_replay_speed_max] (asserted).
    void set_speed(double speed);
    ReplayPosition position();
    void stop();

private:
    void run();
    /// Sends the lines in (from_ms, to_ms]. Called with m_mutex held.
    void send_between_locked(std::int64_t from_ms, std::int64_t to_ms);
    void send_status_at_locked(std::int64_t t_ms);
    /// The status and the lesson banner at `t_ms`, after a jump.
    void send_moment_locked(std::int64_t t_ms);
    /// Puts `banner` up, or (null) takes the one shown down.
    void send_lesson_locked(const nlohmann::json& banner);
    void send_locked(const RecordingLine& line);

    const Recording& m_recording;
    EventHub& m_hub;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    ReplayPosition m_position;
    bool m_stopping = false;
    /// A banner was sent and not taken down since.
    bool m_lesson_shown = false;
    std::thread m_thread;
};

} // namespace raftescort::proxy
