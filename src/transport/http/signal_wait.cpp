#include <raftescort/transport/signal_wait.hpp>

#include <raftescort/util/assert.hpp>

#include <cerrno>
#include <ctime>
#include <pthread.h>
#include <signal.h>

namespace raftescort::transport {

SignalWait::SignalWait(std::initializer_list<int> extra_signals)
{
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGTERM);
    sigaddset(&m_set, SIGINT);
    for (int extra : extra_signals) {
        sigaddset(&m_set, extra);
    }
    RE_ASSERT(pthread_sigmask(SIG_BLOCK, &m_set, nullptr) == 0);
    std::signal(SIGPIPE, SIG_IGN);
}

int SignalWait::wait(std::int64_t timeout_ms)
{
    if (timeout_ms < 0) {
        int signal = 0;
        RE_ASSERT(sigwait(&m_set, &signal) == 0);
        return signal;
    }
    timespec timeout{static_cast<time_t>(timeout_ms / 1000),
                     static_cast<long>((timeout_ms % 1000) * 1000000)};
    while (true) {
        int signal = sigtimedwait(&m_set, nullptr, &timeout);
        if (signal > 0) {
            return signal;
        }
        if (errno == EAGAIN) {
            return 0;
        }
        RE_ASSERT(errno == EINTR);
    }
}

} // namespace raftescort::transport
