// Tests of the server's task queue (elastic_pool.hpp): threads start only for
// jobs that find none idle, never past the maximum, end after being idle,
// and shutdown finishes every queued job first.

#include "http_test_server.hpp"

#include <raftescort/transport/elastic_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using http_test::wait_until;
using raftescort::transport::ElasticPool;

namespace {

/// Jobs that wait for open(); counts how many are waiting and how many ran.
class Gate {
public:
    std::function<void()> job()
    {
        return [this] {
            std::unique_lock lock(m_mutex);
            ++m_waiting;
            m_opened.wait(lock, [this] { return m_open; });
            --m_waiting;
            ++m_done;
        };
    }
    void open()
    {
        {
            std::lock_guard lock(m_mutex);
            m_open = true;
        }
        m_opened.notify_all();
    }
    int waiting() const
    {
        std::lock_guard lock(m_mutex);
        return m_waiting;
    }
    int done() const
    {
        std::lock_guard lock(m_mutex);
        return m_done;
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_opened;
    bool m_open = false;
    int m_waiting = 0;
    int m_done = 0;
};

} // namespace

TEST_CASE("elastic pool: no thread before a job, then one per job running at once, up to "
          "the maximum; the rest wait their turn")
{
    Gate gate;
    ElasticPool pool(3, 10s);
    CHECK(pool.threads() == 0);
    for (int i = 0; i < 5; ++i) {
        pool.enqueue(gate.job());
    }
    REQUIRE(wait_until([&] { return gate.waiting() == 3; }));
    std::this_thread::sleep_for(50ms);
    CHECK(gate.waiting() == 3);
    CHECK(pool.threads() == 3);
    gate.open();
    REQUIRE(wait_until([&] { return gate.done() == 5; }));
    CHECK(pool.threads() == 3);
}

TEST_CASE("elastic pool: a job that finds a thread idle takes it instead of starting another")
{
    ElasticPool pool(8, 10s);
    std::atomic<int> ran{0};
    for (int i = 0; i < 20; ++i) {
        pool.enqueue([&ran] { ++ran; });
        REQUIRE(wait_until([&] { return ran.load() == i + 1; }));
        // The thread counts as idle once it waits again; give it the moment.
        std::this_thread::sleep_for(2ms);
    }
    CHECK(pool.threads() == 1);
}

TEST_CASE("elastic pool: threads idle longer than idle_exit end, and new jobs start new ones")
{
    Gate gate;
    ElasticPool pool(4, 50ms);
    for (int i = 0; i < 4; ++i) {
        pool.enqueue(gate.job());
    }
    REQUIRE(wait_until([&] { return gate.waiting() == 4; }));
    CHECK(pool.threads() == 4);
    gate.open();
    CHECK(wait_until([&] { return pool.threads() == 0; }));

    std::atomic<bool> ran{false};
    pool.enqueue([&ran] { ran = true; });
    CHECK(wait_until([&] { return ran.load(); }));
}

TEST_CASE("elastic pool: shutdown runs every queued job, in order, and waits for running ones")
{
    Gate gate;
    ElasticPool pool(1, 10s);
    std::mutex order_mutex;
    std::vector<int> order;
    pool.enqueue(gate.job());
    for (int i = 1; i <= 3; ++i) {
        pool.enqueue([&order, &order_mutex, i] {
            std::lock_guard lock(order_mutex);
            order.push_back(i);
        });
    }
    REQUIRE(wait_until([&] { return gate.waiting() == 1; }));
    std::atomic<bool> returned{false};
    std::thread stopper([&] {
        pool.shutdown();
        returned = true;
    });
    std::this_thread::sleep_for(50ms);
    CHECK_FALSE(returned.load());
    gate.open();
    stopper.join();
    CHECK(pool.threads() == 0);
    CHECK(order == std::vector<int>{1, 2, 3});
    pool.shutdown(); // again, as the server's destructor does: returns at once
}
