#pragma once

// Keep-alive HTTP clients of the nodes for the proxy's request threads.
//
// httplib::Client is not thread-safe, so a request thread leases one client
// for one request and gives it back; idle clients stay connected (bounded per
// node) so a forwarded move costs no TCP handshake. Every client sets
// TCP_NODELAY: without it a small POST waits ~40 ms for the peer's delayed
// ACK (Nagle's algorithm holds the body back). shutdown() cancels the
// requests in flight, so a stopping proxy does not wait for a node that takes
// its time to commit.

#include <raftescort/transport/tls.hpp>

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace raftescort::proxy {

struct ClientPoolOptions {
    /// How long a TCP connect to a node may take (loopback or a LAN).
    std::int64_t connect_timeout_ms = 300;
    /// Idle clients kept per node address; more are closed when returned.
    std::size_t idle_clients_per_node_max = 8;
    /// Sent as the cluster token header on every request when not empty
    /// (the nodes admit the change requests the proxy forwards with it);
    /// set_cluster_token() replaces it.
    std::string cluster_token;
    /// Enabled: HTTPS to the nodes with this certificate (proxy.hpp).
    transport::TlsFiles tls;
};

class ClientPool;

/// One leased client; returns it to the pool when destroyed. Empty when the
/// address is not host:port or the pool is shutting down.
class ClientLease {
public:
    ClientLease() = default;
    ClientLease(ClientPool* pool, std::string address, std::unique_ptr<httplib::Client> client);
    ~ClientLease();
    ClientLease(ClientLease&& other) noexcept;
    ClientLease& operator=(ClientLease&& other) noexcept;
    ClientLease(const ClientLease&) = delete;
    ClientLease& operator=(const ClientLease&) = delete;

    explicit operator bool() const { return m_client != nullptr; }
    httplib::Client& operator*() const { return *m_client; }
    httplib::Client* operator->() const { return m_client.get(); }

private:
    void give_back();

    ClientPool* m_pool = nullptr;
    std::string m_address;
    std::unique_ptr<httplib::Client> m_client;
};

class ClientPool {
public:
    explicit ClientPool(ClientPoolOptions options);
    ClientPool(const ClientPool&) = delete;
    ClientPool& operator=(const ClientPool&) = delete;

    /// A client of `address` (host:port): an idle one if any, else a new one.
    /// The caller sets the read timeout it needs per request.
    ClientLease lease(const std::string& address);
    /// Cancels every request in flight and makes lease() return empty leases.
    void shutdown();
    bool stopping() const;

    /// The token sent from the next lease on (learned from Redis later than
    /// the pool was made); empty sends none.
    void set_cluster_token(const std::string& token);
    std::string cluster_token() const;

private:
    friend class ClientLease;
    void give_back(const std::string& address, std::unique_ptr<httplib::Client> client);

    const ClientPoolOptions m_options;
    mutable std::mutex m_mutex;
    bool m_stopping = false;
    std::string m_cluster_token;
    std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> m_idle;
    /// Leased clients, so shutdown() can cancel their requests.
    std::set<httplib::Client*> m_leased;
};

} // namespace raftescort::proxy
