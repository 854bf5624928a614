#include "proxy/api/client_pool.hpp"

#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/util/assert.hpp>

#include <chrono>
#include <utility>

namespace raftescort::proxy {

ClientLease::ClientLease(ClientPool* pool, std::string address,
                         std::unique_ptr<httplib::Client> client)
    : m_pool(pool), m_address(std::move(address)), m_client(std::move(client))
{
    RE_ASSERT(m_pool != nullptr);
    RE_ASSERT(m_client != nullptr);
}

ClientLease::~ClientLease() { give_back(); }

ClientLease::ClientLease(ClientLease&& other) noexcept
    : m_pool(std::exchange(other.m_pool, nullptr)), m_address(std::move(other.m_address)),
      m_client(std::move(other.m_client))
{ }

ClientLease& ClientLease::operator=(ClientLease&& other) noexcept
{
    if (this != &other) {
        give_back();
        m_pool = std::exchange(other.m_pool, nullptr);
        m_address = std::move(other.m_address);
        m_client = std::move(other.m_client);
    }
    return *this;
}

void ClientLease::give_back()
{
    if (m_pool != nullptr && m_client != nullptr) {
        m_pool->give_back(m_address, std::move(m_client));
    }
    m_pool = nullptr;
}

ClientPool::ClientPool(ClientPoolOptions options)
    : m_options(std::move(options)), m_cluster_token(m_options.cluster_token)
{
    RE_ASSERT(m_options.connect_timeout_ms > 0);
    RE_ASSERT(m_options.idle_clients_per_node_max > 0);
}

namespace {

httplib::Headers token_headers(const std::string& token)
{
    if (token.empty()) {
        return {};
    }
    return {{transport::k_token_header, token}};
}

} // namespace

ClientLease ClientPool::lease(const std::string& address)
{
    std::unique_ptr<httplib::Client> client;
    std::string token;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return {};
        }
        token = m_cluster_token;
        auto idle = m_idle.find(address);
        if (idle != m_idle.end() && !idle->second.empty()) {
            client = std::move(idle->second.back());
            idle->second.pop_back();
            m_leased.insert(client.get());
        }
    }
    if (client != nullptr) {
        // The token may have been learned or changed since the client was made.
        client->set_default_headers(token_headers(token));
        return ClientLease(this, address, std::move(client));
    }
    std::string host;
    std::uint16_t port = 0;
    if (!transport::split_host_port(address, host, port)) {
        return {};
    }
    client = transport::make_http_client(host, port, m_options.tls);
    client->set_tcp_nodelay(true);
    client->set_keep_alive(true);
    client->set_connection_timeout(std::chrono::milliseconds(m_options.connect_timeout_ms));
    client->set_write_timeout(std::chrono::milliseconds(m_options.connect_timeout_ms));
    client->set_default_headers(token_headers(token));
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
        return {};
    }
    m_leased.insert(client.get());
    return ClientLease(this, address, std::move(client));
}

void ClientPool::give_back(const std::string& address, std::unique_ptr<httplib::Client> client)
{
    std::lock_guard lock(m_mutex);
    RE_ASSERT(m_leased.erase(client.get()) == 1);
    if (m_stopping) {
        return;
    }
    auto& idle = m_idle[address];
    if (idle.size() < m_options.idle_clients_per_node_max) {
        idle.push_back(std::move(client));
    }
}

void ClientPool::shutdown()
{
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    // Client::stop shuts the socket of a request in flight, which then fails
    // at once; the lease is still held, so the client outlives the call.
    for (httplib::Client* client : m_leased) {
        client->stop();
    }
    m_idle.clear();
}

bool ClientPool::stopping() const
{
    std::lock_guard lock(m_mutex);
    return m_stopping;
}

void ClientPool::set_cluster_token(const std::string& token)
{
    std::lock_guard lock(m_mutex);
    m_cluster_token = token;
}

std::string ClientPool::cluster_token() const
{
    std::lock_guard lock(m_mutex);
    return m_cluster_token;
}

} // namespace raftescort::proxy
