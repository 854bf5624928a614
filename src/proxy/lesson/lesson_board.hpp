#pragma once

// The lesson banner the proxy shows (POST /lesson, POST /lesson/clear, GET
// /lesson): at most one at a time, the latest a lesson posted. Every change
// goes to the event hub as a "lesson" event, whose data is the banner or
// {"cleared": true}, and the hub hands the banner in force to each new
// subscriber, so a dashboard that opens mid-lesson shows it and a recording
// holds it.
//
// A ctl that dies mid-lesson never clears its banner, so the board does:
// a running banner not updated for 10 minutes, or a passed or failed one
// after 2 minutes, is cleared (and the cleared event published) by
// expire_if_due(), which the status publisher calls each interval, and
// before any read. Thread-safe.

#include "proxy/view/event_hub.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace raftescort::proxy {

struct LessonBoardOptions {
    /// A running banner this long without an update is cleared.
    std::int64_t running_expiry_ms = 10 * 60 * 1000;
    /// A passed or failed banner is cleared this long after it was posted.
    std::int64_t finished_expiry_ms = 2 * 60 * 1000;
    /// Wall-clock ms since the epoch; the system clock when empty.
    std::function<std::int64_t()> now_ms;
};

class LessonBoard {
public:
    LessonBoard(EventHub& hub, LessonBoardOptions options);

    /// Puts up `banner` (as lesson_banner_from_body() returns it), stamped
    /// with "at_ms" (now) and "by" (who asked), publishes it, and returns
    /// the banner as stored.
    nlohmann::json post(nlohmann::json banner, const std::string& by);
    /// Takes the banner down; publishes {"cleared": true} if there was one.
    void clear();
    /// The banner in force, or null (an expired one is cleared first).
    nlohmann::json current();
    /// Clears the banner if it has expired; true when it did.
    bool expire_if_due();

private:
    std::int64_t now_ms() const;
    bool expired_locked(std::int64_t now_ms) const;
    void clear_locked();

    EventHub& m_hub;
    const LessonBoardOptions m_options;
    std::mutex m_mutex;
    /// The banner in force, or null.
    nlohmann::json m_banner;
};

/// The data of the "lesson" event that clears the banner.
inline constexpr const char* k_lesson_cleared_json = "{\"cleared\":true}";

} // namespace raftescort::proxy
