#include "proxy/view/node_poller.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <chrono>
#include <utility>

namespace raftescort::proxy {

NodePoller::NodePoller(std::uint64_t id, std::string address, NodePollerOptions options,
                       Callback callback)
    : m_id(id), m_address(std::move(address)), m_options(options), m_callback(std::move(callback))
{
    RE_ASSERT(m_id != 0);
    RE_ASSERT(m_options.poll_interval_ms > 0);
    RE_ASSERT(m_options.poll_timeout_ms > 0);
    std::string host;
    std::uint16_t port = 0;
    if (transport::split_host_port(m_address, host, port)) {
        m_client = transport::make_http_client(host, port, m_options.tls);
        const auto timeout = std::chrono::milliseconds(m_options.poll_timeout_ms);
        m_client->set_tcp_nodelay(true);
        m_client->set_keep_alive(true);
        m_client->set_connection_timeout(timeout);
        m_client->set_read_timeout(timeout);
        m_client->set_write_timeout(timeout);
    }
    m_thread = std::thread([this] {
        transport::name_this_thread("poll-nodes");
        run();
    });
}

NodePoller::~NodePoller()
{
    request_stop();
    m_thread.join();
}

void NodePoller::request_stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_client) {
        // Safe from another thread: it only shuts the socket of a request in
        // flight, which then fails at once.
        m_client->stop();
    }
}

util::Result<nlohmann::json> NodePoller::poll_once()
{
    if (!m_client) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "\"" + m_address + "\" is not host:port");
    }
    httplib::Headers headers;
    if (m_options.cluster_token) {
        std::string token = m_options.cluster_token();
        if (!token.empty()) {
            headers.emplace(transport::k_token_header, std::move(token));
        }
    }
    httplib::Result result = m_client->Get("/status", headers);
    if (!result) {
        return util::make_error(util::ErrorCode::unavailable,
                                "GET /status: " + httplib::to_string(result.error()));
    }
    if (result->status != 200) {
        return util::make_error(util::ErrorCode::unavailable,
                                "GET /status: HTTP " + std::to_string(result->status));
    }
    util::Result<nlohmann::json> body = transport::parse_answer_json(result->body);
    if (!body) {
        return util::make_error(util::ErrorCode::corrupt, "GET /status: " + body.error().message);
    }
    return std::move(body.value());
}

void NodePoller::run()
{
    while (true) {
        util::Result<nlohmann::json> answer = poll_once();
        std::unique_lock lock(m_mutex);
        if (m_stopping) {
            break;
        }
        lock.unlock();
        m_callback(m_id, m_address, std::move(answer));
        lock.lock();
        if (m_wake.wait_for(lock, std::chrono::milliseconds(m_options.poll_interval_ms),
                            [this] { return m_stopping; })) {
            break;
        }
    }
    m_finished.store(true);
}

} // namespace raftescort::proxy
