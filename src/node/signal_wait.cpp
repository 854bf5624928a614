#include "node/signal_wait.hpp"

#include <signal.h>
#include <unistd.h>

namespace raftescort::node {

void SignalWait::raise_fatal() { ::kill(::getpid(), k_fatal_signal); }

} // namespace raftescort::node
