#pragma once

// The proxy's one Redis client, shared by the registry poller thread and the
// request threads that read records. A Registry is not thread-safe, so every
// use goes through one mutex; each use is bounded by the registry's connect
// and command timeouts (a few hundred ms), and while Redis is down the
// registry's reconnect backoff makes most calls fail at once.

#include <raftescort/registry/registry.hpp>
#include <raftescort/transport/clock.hpp>
#include <raftescort/util/assert.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

namespace raftescort::proxy {

class SharedRegistry {
public:
    explicit SharedRegistry(std::unique_ptr<registry::Registry> registry)
        : m_registry(std::move(registry))
    {
        RE_ASSERT(m_registry != nullptr);
    }

    /// Calls `function(registry, now_ms)` alone; returns what it returns.
    template <typename Function>
    auto use(Function&& function)
    {
        std::lock_guard lock(m_mutex);
        auto result = function(*m_registry, transport::monotonic_ms());
        m_connected.store(m_registry->connected());
        return result;
    }

    /// Whether the latest use found Redis answering.
    bool connected() const { return m_connected.load(); }

private:
    std::mutex m_mutex;
    std::unique_ptr<registry::Registry> m_registry;
    std::atomic<bool> m_connected{false};
};

} // namespace raftescort::proxy
