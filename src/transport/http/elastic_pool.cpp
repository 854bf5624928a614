// The server's task queue (include/raftescort/transport/elastic_pool.hpp).

#include <raftescort/transport/elastic_pool.hpp>

#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <system_error>
#include <thread>
#include <utility>

namespace raftescort::transport {

ElasticPool::ElasticPool(std::size_t threads_max, std::chrono::milliseconds idle_exit)
    : m_threads_max(threads_max)
    , m_idle_exit(idle_exit)
{
    RE_ASSERT(threads_max > 0);
    RE_ASSERT(idle_exit.count() > 0);
}

ElasticPool::~ElasticPool()
{
    shutdown();
}

void ElasticPool::enqueue(std::function<void()> job)
{
    bool start_thread = false;
    {
        std::lock_guard lock(m_mutex);
        RE_ASSERT(!m_stopping);
        m_jobs.push_back(std::move(job));
        // Each idle thread takes one queued job; start one for the rest.
        if (m_jobs.size() > m_idle && m_threads < m_threads_max) {
            ++m_threads;
            start_thread = true;
        }
    }
    if (start_thread) {
        try {
            // Detached: a thread that ends for idleness has no one to join
            // it; shutdown() waits for the count instead.
            std::thread([this] {
                name_this_thread("http");
                work();
            }).detach();
            return;
        } catch (const std::system_error&) {
            // No thread to be had now: the job waits for a running one, or
            // for the next enqueue to try again.
            std::lock_guard lock(m_mutex);
            --m_threads;
            m_thread_ended.notify_all();
        }
    }
    m_job_ready.notify_one();
}

void ElasticPool::shutdown()
{
    std::unique_lock lock(m_mutex);
    m_stopping = true;
    m_job_ready.notify_all();
    m_thread_ended.wait(lock, [this] { return m_threads == 0; });
}

std::size_t ElasticPool::threads() const
{
    std::lock_guard lock(m_mutex);
    return m_threads;
}

void ElasticPool::work()
{
    std::unique_lock lock(m_mutex);
    while (true) {
        if (m_jobs.empty()) {
            ++m_idle;
            const bool woken = m_job_ready.wait_for(
                lock, m_idle_exit, [this] { return m_stopping || !m_jobs.empty(); });
            --m_idle;
            if (!woken || m_jobs.empty()) {
                break; // idle too long, or stopping with nothing left
            }
        }
        std::function<void()> job = std::move(m_jobs.front());
        m_jobs.pop_front();
        lock.unlock();
        job();
        job = nullptr; // its captures go before the lock is taken again
        lock.lock();
    }
    --m_threads;
    // Notified under the lock: shutdown() can only see zero, return and let
    // the pool be destroyed after this thread has let go of the mutex.
    m_thread_ended.notify_all();
}

} // namespace raftescort::transport
