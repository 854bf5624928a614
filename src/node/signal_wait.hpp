#pragma once

// The main thread's way to sleep: it waits for a stop signal (SIGTERM,
// SIGINT) or a fatal error (SIGUSR1, raised by the loop) with a timeout, so
// every wait of the node's start-up can be interrupted by `kill` at once.

#include <csignal>
#include <cstdint>

namespace raftescort::node {

class SignalWait {
public:
    /// Blocks the signals in the calling thread (and so in every thread it
    /// starts later) and ignores SIGPIPE, which a write to a reset socket
    /// would otherwise raise.
    SignalWait();
    /// Waits up to `timeout_ms` (forever if negative); returns the signal
    /// number, or 0 on timeout.
    int wait(std::int64_t timeout_ms);
    /// Raises the fatal signal for the main thread to see.
    static void raise_fatal();

    static constexpr int k_fatal_signal = SIGUSR1;

private:
    sigset_t m_set;
};

} // namespace raftescort::node
