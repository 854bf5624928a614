#pragma once

// The terminal of an interactive `raftescort ctl watch`: keys read one at a
// time without echo, the cursor hidden, the frame drawn on the alternate
// screen. Everything is put back by the destructor and, should SIGINT or
// SIGTERM arrive first, by the signal handler, so the shell never inherits
// a terminal without echo.

#include <termios.h>

#include <chrono>
#include <cstddef>

namespace raftescort::ctl {

class Terminal {
public:
    /// Takes over the terminal when stdout is one and `allowed`; reads keys
    /// only when stdin is one too. Otherwise changes nothing.
    explicit Terminal(bool allowed);
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    /// True when frames are redrawn in place with escape codes.
    bool interactive() const { return m_interactive; }
    /// The terminal's width in columns; 0 when stdout is not a terminal.
    std::size_t columns() const;
    /// Waits up to `timeout`; true as soon as the user asked to stop: the
    /// key q (or Ctrl-C read as a key), or SIGINT/SIGTERM while interactive.
    bool wait_for_quit(std::chrono::milliseconds timeout);
    /// True once SIGINT or SIGTERM arrived while interactive.
    static bool stop_requested();

private:
    bool read_quit_key();

    bool m_interactive = false;
    /// Keys are read from stdin (it is a terminal and in raw mode).
    bool m_reading_keys = false;
};

} // namespace raftescort::ctl
