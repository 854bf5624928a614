#pragma once

// ElasticPool: the server's task queue. cpp-httplib gives each keep-alive
// connection a thread for as long as it lives (NOTES.md), so the pool must
// reach one thread per connection at a burst (every peer, the proxy's move
// lanes, ctl); but a fixed pool of that size kept 64 idle threads in every
// idle node. This one starts a thread only when a job finds none idle and
// lets a thread that has been idle for `idle_exit` end.

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace raftescort::transport {

class ElasticPool final : public httplib::TaskQueue {
public:
    /// At most `threads_max` jobs run at once; more wait in order.
    ElasticPool(std::size_t threads_max, std::chrono::milliseconds idle_exit);
    ~ElasticPool() override;

    ElasticPool(const ElasticPool&) = delete;
    ElasticPool& operator=(const ElasticPool&) = delete;

    void enqueue(std::function<void()> job) override;
    /// Runs the jobs already queued, then returns once every thread ended.
    void shutdown() override;

    /// Threads alive now (working or idle).
    std::size_t threads() const;

private:
    void work();

    const std::size_t m_threads_max;
    const std::chrono::milliseconds m_idle_exit;
    mutable std::mutex m_mutex;
    std::condition_variable m_job_ready;
    std::condition_variable m_thread_ended;
    std::deque<std::function<void()>> m_jobs;
    std::size_t m_threads = 0;
    std::size_t m_idle = 0;
    bool m_stopping = false;
};

} // namespace raftescort::transport
