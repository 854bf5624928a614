#pragma once

// How the main thread of a server process (node or proxy) sleeps: it waits
// for SIGTERM or SIGINT, and any extra signals a role adds, with a timeout, so
// every wait of start-up can be interrupted by `kill` at once.

#include <csignal>
#include <cstdint>
#include <initializer_list>

namespace raftescort::transport {

class SignalWait {
public:
    /// Blocks SIGTERM, SIGINT and `extra_signals` in the calling thread (and
    /// so in every thread it starts later: only wait() sees them), and
    /// ignores SIGPIPE, which a write to a socket a client reset would
    /// otherwise raise.
    explicit SignalWait(std::initializer_list<int> extra_signals = {});
    /// Waits up to `timeout_ms` (forever if negative); returns the signal
    /// number, or 0 on timeout.
    int wait(std::int64_t timeout_ms);

private:
    sigset_t m_set;
};

} // namespace raftescort::transport
