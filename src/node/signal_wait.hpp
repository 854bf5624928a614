#pragma once

// The node's main-thread wait: the stop signals, plus a fatal one (SIGUSR1)
// that the loop raises on an error the node cannot carry on from.

#include <raftescort/transport/signal_wait.hpp>

#include <csignal>

namespace raftescort::node {

class SignalWait : public transport::SignalWait {
public:
    static constexpr int k_fatal_signal = SIGUSR1;

    SignalWait() : transport::SignalWait({k_fatal_signal}) {}
    /// Raises the fatal signal for the main thread to see.
    static void raise_fatal();
};

} // namespace raftescort::node
