// `raftescort ctl watch`: polls the proxy every 250 ms and draws a frame.
// In a terminal the frame is redrawn in place and q quits; in a pipe each
// frame is printed after the last, without escape codes, so that tests and
// scripts can read it; with --json each frame is one line of JSON.

#include "ctl/commands.hpp"
#include "ctl/format.hpp"
#include "ctl/terminal.hpp"
#include "ctl/watch_frame.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <utility>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds k_frame_interval{250};
// A proxy that does not answer within this freezes one frame, not the view.
constexpr std::chrono::milliseconds k_watch_read_timeout{2000};
// Room left of the track for its "y=-1" labels.
constexpr std::size_t k_track_margin_columns = 8;

constexpr const char* k_cursor_home = "\x1b[H";
constexpr const char* k_clear_line_end = "\x1b[K";
constexpr const char* k_clear_screen_end = "\x1b[J";

// Fetches what a frame shows; a failed request leaves its part null and
// says why, and the next frame tries again.
WatchSnapshot fetch_snapshot(ProxyClient& client)
{
    WatchSnapshot snapshot;
    struct Part {
        const char* target;
        json* data;
    };
    for (const Part& part : {Part{"/status", &snapshot.status}, Part{"/nodes", &snapshot.nodes},
                             Part{"/mission", &snapshot.mission}}) {
        util::Result<json> answer = client.get(part.target);
        if (answer.ok()) {
            *part.data = std::move(answer.value());
        } else if (snapshot.error.empty()) {
            snapshot.error = answer.error().message;
        }
    }
    return snapshot;
}

std::string clock_text()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    char text[16] = "--:--:--";
    if (::localtime_r(&now, &local) != nullptr) {
        std::strftime(text, sizeof(text), "%H:%M:%S", &local);
    }
    return text;
}

std::size_t track_columns(const Terminal& terminal)
{
    if (!terminal.interactive() || terminal.columns() == 0) {
        return k_watch_track_columns_max;
    }
    const std::size_t room = terminal.columns() > k_track_margin_columns
                                 ? terminal.columns() - k_track_margin_columns
                                 : 0;
    return std::clamp(room, k_watch_track_columns_min, k_watch_track_columns_max);
}

// Redraws in place: home, each line cleared to its end, the rest cleared.
// Lines without escape codes are cut to the width, so none wraps and
// scrolls the frame.
void draw_in_place(std::ostream& out, const std::vector<std::string>& lines, std::size_t columns)
{
    std::string frame = k_cursor_home;
    for (const std::string& line : lines) {
        const bool plain = line.find('\x1b') == std::string::npos;
        frame +=
            plain && columns > 0 && line.size() >= columns ? line.substr(0, columns - 1) : line;
        frame += k_clear_line_end;
        frame += "\r\n";
    }
    frame += k_clear_screen_end;
    out << frame << std::flush;
}

void print_frame(CommandContext& context, const WatchSnapshot& snapshot, const Terminal& terminal)
{
    if (context.settings.json) {
        json frame{
            {"status", snapshot.status}, {"nodes", snapshot.nodes}, {"mission", snapshot.mission}};
        if (!snapshot.error.empty()) {
            frame["error"] = snapshot.error;
        }
        context.out << frame.dump() << '\n' << std::flush;
        return;
    }
    WatchFrameStyle style;
    style.highlight = terminal.interactive();
    style.interactive = terminal.interactive();
    style.track_columns = track_columns(terminal);
    style.proxy_url = context.client.proxy_url();
    style.clock = clock_text();
    const std::vector<std::string> lines = render_watch_frame(snapshot, style);
    if (terminal.interactive()) {
        draw_in_place(context.out, lines, terminal.columns());
        return;
    }
    for (const std::string& line : lines) {
        context.out << line << '\n';
    }
    context.out << '\n' << std::flush;
}

} // namespace

util::Status run_watch(CommandContext& context)
{
    context.client.set_read_timeout(k_watch_read_timeout);
    const std::uint64_t count = context.settings.count;
    std::string last_error;
    {
        // JSON lines are for programs: never take over the terminal for them.
        // The terminal is stdout's, so frames written elsewhere (a test's
        // stream) never take it over either.
        Terminal terminal(!context.settings.json && &context.out == &std::cout);
        for (std::uint64_t frames = 1;; ++frames) {
            const auto started = std::chrono::steady_clock::now();
            const WatchSnapshot snapshot = fetch_snapshot(context.client);
            if (Terminal::stop_requested()) {
                break;
            }
            print_frame(context, snapshot, terminal);
            last_error = snapshot.error;
            if (count != 0 && frames >= count) {
                break;
            }
            const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            if (terminal.wait_for_quit(
                    std::max(k_frame_interval - spent, std::chrono::milliseconds{0}))) {
                break;
            }
        }
    }
    // A bounded watch reports a proxy it could not read, as every other
    // command does; quitting a live view is always a success.
    // Whatever the last request's failure was (a 4xx too), the view could
    // not be drawn: a failure, not a refusal.
    if (count != 0 && !last_error.empty()) {
        return util::make_error(util::ErrorCode::unavailable, last_error);
    }
    return util::Ok{};
}

} // namespace raftescort::ctl
