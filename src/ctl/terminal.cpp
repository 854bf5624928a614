#include "ctl/terminal.hpp"

#include <raftescort/util/assert.hpp>

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace raftescort::ctl {

namespace {

// Enter the alternate screen, hide the cursor, clear.
constexpr char k_enter_sequence[] = "\x1b[?1049h\x1b[?25l\x1b[2J";
// Show the cursor, leave the alternate screen.
constexpr char k_leave_sequence[] = "\x1b[?25h\x1b[?1049l";

// The signal handler's view: set before the handlers are installed, read
// only with async-signal-safe calls.
volatile std::sig_atomic_t g_stop_requested = 0;
volatile std::sig_atomic_t g_restored = 1;
volatile std::sig_atomic_t g_raw_mode = 0;
termios g_saved_termios{};
struct sigaction g_saved_sigint { };
struct sigaction g_saved_sigterm { };

void write_all(const char* text, std::size_t size)
{
    while (size > 0) {
        const ssize_t written = ::write(STDOUT_FILENO, text, size);
        if (written <= 0 && errno != EINTR) {
            return;
        }
        if (written > 0) {
            text += written;
            size -= static_cast<std::size_t>(written);
        }
    }
}

// Async-signal-safe: tcsetattr and write only. Runs at most once.
void restore_terminal()
{
    if (g_restored != 0) {
        return;
    }
    g_restored = 1;
    if (g_raw_mode != 0) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    }
    write_all(k_leave_sequence, sizeof(k_leave_sequence) - 1);
}

extern "C" void handle_stop_signal(int /*signal*/)
{
    const int saved_errno = errno;
    restore_terminal();
    g_stop_requested = 1;
    errno = saved_errno;
}

void install_stop_handlers()
{
    struct sigaction action { };
    action.sa_handler = handle_stop_signal;
    sigemptyset(&action.sa_mask);
    // A second Ctrl-C kills at once, should the loop be stuck in a request.
    action.sa_flags = SA_RESETHAND;
    ::sigaction(SIGINT, &action, &g_saved_sigint);
    ::sigaction(SIGTERM, &action, &g_saved_sigterm);
}

void enter_raw_mode()
{
    termios raw = g_saved_termios;
    // Keys arrive one at a time and are not echoed; ISIG stays on, so
    // Ctrl-C is still SIGINT and restores the terminal through the handler.
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO | IEXTEN));
    raw.c_iflag &= static_cast<tcflag_t>(~(IXON | ICRNL));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0) {
        g_raw_mode = 1;
    }
}

} // namespace

Terminal::Terminal(bool allowed)
{
    if (!allowed || ::isatty(STDOUT_FILENO) == 0) {
        return;
    }
    m_interactive = true;
    m_reading_keys =
        ::isatty(STDIN_FILENO) != 0 && ::tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;
    g_stop_requested = 0;
    g_raw_mode = 0;
    // Handlers first, then the changes they undo.
    g_restored = 0;
    install_stop_handlers();
    if (m_reading_keys) {
        enter_raw_mode();
        m_reading_keys = g_raw_mode != 0;
    }
    write_all(k_enter_sequence, sizeof(k_enter_sequence) - 1);
}

Terminal::~Terminal()
{
    if (!m_interactive) {
        return;
    }
    restore_terminal();
    ::sigaction(SIGINT, &g_saved_sigint, nullptr);
    ::sigaction(SIGTERM, &g_saved_sigterm, nullptr);
    RE_ASSERT(g_restored != 0);
}

std::size_t Terminal::columns() const
{
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) {
        return 0;
    }
    return size.ws_col;
}

bool Terminal::stop_requested() { return g_stop_requested != 0; }

bool Terminal::read_quit_key()
{
    RE_ASSERT(m_reading_keys);
    char keys[32];
    const ssize_t count = ::read(STDIN_FILENO, keys, sizeof(keys));
    for (ssize_t i = 0; i < count; ++i) {
        if (keys[i] == 'q' || keys[i] == 'Q' || keys[i] == '\x03') {
            return true;
        }
    }
    return false;
}

bool Terminal::wait_for_quit(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!stop_requested()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd input{STDIN_FILENO, POLLIN, 0};
        // poll() without descriptors is a sleep that a signal cuts short.
        const int ready = ::poll(&input, m_reading_keys ? 1 : 0, static_cast<int>(left.count()));
        if (ready <= 0 || !m_reading_keys) {
            continue;
        }
        if ((input.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
            // The terminal went away: keep drawing until a signal or --count.
            m_reading_keys = false;
            continue;
        }
        if (read_quit_key()) {
            return true;
        }
    }
    return true;
}

} // namespace raftescort::ctl
