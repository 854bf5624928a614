#pragma once

// How the proxy's main thread waits for SIGTERM or SIGINT. The node has its
// own (src/node/signal_wait.hpp); the proxy does not link the node layer, and
// it needs no fatal signal: nothing in the proxy can fail after start-up in a
// way that a restart would fix better than carrying on.

#include <csignal>
#include <cstdint>

namespace raftescort::proxy {

class StopSignal {
public:
    /// Blocks SIGTERM and SIGINT in the calling thread, and so in every thread
    /// it starts later (only wait() then sees them), and ignores SIGPIPE,
    /// which a write to a socket a client reset would otherwise raise.
    StopSignal();
    /// Waits up to `timeout_ms` (forever if negative); returns the signal
    /// number, or 0 on timeout.
    int wait(std::int64_t timeout_ms);

private:
    sigset_t m_set;
};

} // namespace raftescort::proxy
