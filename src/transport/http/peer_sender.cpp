// One peer's outgoing Raft messages: a bounded queue drained by one thread
// over one keep-alive connection (include/raftescort/transport/peer_sender.hpp).
//
// The node's loop only ever touches the queue under a short lock; the
// encoding, the connection and its timeouts all live on the sender thread, so
// a dead or slow peer costs that thread time and nobody else's.

#include <raftescort/transport/peer_sender.hpp>

#include "transport/http/port_probe.hpp"
#include "transport/http/status_codes.hpp"

#include <raftescort/transport/codec.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace raftescort::transport {
namespace {

using Clock = std::chrono::steady_clock;

/// Header values are written verbatim by cpp-httplib: a CR or LF in one
/// would let configuration inject headers, so only printable ASCII passes.
bool is_header_safe(std::string_view value)
{
    for (char c : value) {
        if (c < ' ' || c >= 0x7F) {
            return false;
        }
    }
    return true;
}

bool is_success_status(int status) { return status >= 200 && status < 300; }

} // namespace

struct PeerSender::State {
    State(PeerSenderOptions options_in, raft::NodeId peer_in, std::string address_in)
        : options(std::move(options_in)), peer(peer_in), address(std::move(address_in))
    { }

    // Fixed at construction; read by any thread without the lock.
    const PeerSenderOptions options;
    const raft::NodeId peer;

    mutable std::mutex mutex;
    /// Signalled on enqueue, set_address and stop.
    std::condition_variable wake;
    // Guarded by `mutex`.
    std::deque<raft::Message> queue;
    std::string address;
    /// Set by set_address(); the sender thread makes a new client and clears it.
    bool address_changed = false;
    /// Set by probe(); the sender thread probes and clears it.
    bool probe_wanted = false;
    bool stopping = false;
    PeerSenderCounters counters;

    /// Guards `client` against the destructor's stop() while the sender
    /// thread replaces it. Only the sender thread replaces it, so the thread
    /// may use the client without this lock.
    std::mutex client_mutex;
    std::unique_ptr<httplib::Client> client;

    std::thread thread;

    void run();
    /// Replaces the client (and so the connection) with one for `target`.
    void switch_client(const std::string& target);
    /// One connect to `target`; a refusal is handed to on_refused.
    void probe(const std::string& target);
    /// Sends `batch` in as few requests as the size bounds allow; true if
    /// every one was answered 2xx. After a failure the rest is dropped.
    bool send_batch(const std::vector<raft::Message>& batch);
    /// Sends one body of `messages` messages; true if the peer answered 2xx.
    bool send(const std::string& body, std::size_t messages);
    /// Hands the answers in a 200's body to on_replies.
    void take_replies(const std::string& body);
    /// Drops the failed message and every message queued so far, then waits
    /// out the backoff and drops what arrived meanwhile.
    void back_off();
    /// Drops every queued message as failed. Needs `mutex`.
    void drop_queue_locked();
};

void PeerSender::State::run()
{
    for (;;) {
        std::vector<raft::Message> batch;
        std::optional<std::string> new_address;
        std::optional<std::string> probe_address;
        {
            std::unique_lock lock(mutex);
            wake.wait(lock, [this] {
                return stopping || address_changed || probe_wanted || !queue.empty();
            });
            if (stopping) {
                return;
            }
            if (std::exchange(probe_wanted, false)) {
                probe_address = address;
            }
            if (address_changed) {
                address_changed = false;
                new_address = address;
            }
            while (!new_address && !queue.empty() && batch.size() < options.batch_messages_max) {
                batch.push_back(std::move(queue.front()));
                queue.pop_front();
            }
        }
        if (probe_address) {
            probe(*probe_address);
        }
        if (new_address) {
            // Messages still queued were meant for the peer, not for an
            // address: the next iteration sends them on the new connection.
            switch_client(*new_address);
            continue;
        }
        if (!batch.empty() && !send_batch(batch)) {
            back_off();
        }
    }
}

bool PeerSender::State::send_batch(const std::vector<raft::Message>& batch)
{
    RE_ASSERT(!batch.empty());
    std::string body;
    std::size_t in_body = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        RE_ASSERT(batch[i].to == peer);
        std::string encoded = encode_envelope(Envelope{options.cluster_id, batch[i]});
        // A body outgrows the bound only when one message alone does.
        if (in_body > 0 && body.size() + 1 + encoded.size() > options.batch_bytes_max) {
            if (!send(body, in_body)) {
                std::lock_guard lock(mutex);
                counters.dropped_failed += batch.size() - i;
                return false;
            }
            body.clear();
            in_body = 0;
        }
        append_to_batch(body, encoded);
        ++in_body;
    }
    return send(body, in_body);
}

void PeerSender::State::switch_client(const std::string& target)
{
    std::unique_ptr<httplib::Client> next;
    std::string host;
    std::uint16_t port = 0;
    // An address that does not parse leaves no client: each message then
    // fails and backs off until set_address() brings a usable one.
    if (split_host_port(target, host, port)) {
        next = make_http_client(host, port, options.tls);
        next->set_tcp_nodelay(true);
        next->set_keep_alive(true);
        next->set_connection_timeout(std::chrono::milliseconds(options.connect_timeout_ms));
        next->set_read_timeout(std::chrono::milliseconds(options.request_timeout_ms));
        next->set_write_timeout(std::chrono::milliseconds(options.request_timeout_ms));
        if (!options.source_ip.empty()) {
            next->set_interface(options.source_ip);
        }
        httplib::Headers headers{{k_address_header, options.self_address}};
        if (!options.cluster_token.empty()) {
            headers.emplace(k_token_header, options.cluster_token);
        }
        if (options.on_replies) {
            headers.emplace(k_reply_header, k_reply_header_value);
        }
        next->set_default_headers(std::move(headers));
    }
    // The old client (and its connection) is destroyed outside the lock.
    std::unique_ptr<httplib::Client> previous;
    {
        std::lock_guard lock(client_mutex);
        previous = std::exchange(client, std::move(next));
    }
}

void PeerSender::State::probe(const std::string& target)
{
    std::string host;
    std::uint16_t port = 0;
    if (!options.on_refused || !split_host_port(target, host, port)) {
        return;
    }
    if (http::connection_refused(host, port, options.source_ip,
                                 std::chrono::milliseconds(options.connect_timeout_ms))) {
        options.on_refused(peer);
    }
}

bool PeerSender::State::send(const std::string& body, std::size_t messages)
{
    int status = 0;
    if (client) {
        httplib::Result result = client->Post(k_raft_message_path, body, "application/json");
        if (result) {
            status = result->status;
            if (status == http::status::k_ok && options.on_replies && !result->body.empty()) {
                take_replies(result->body);
            }
        }
    }
    std::lock_guard lock(mutex);
    if (is_success_status(status)) {
        counters.sent += messages;
        counters.requests += 1;
        counters.reachable = true;
        return true;
    }
    counters.failures += 1;
    counters.dropped_failed += messages;
    counters.reachable = false;
    // Status 0: the request never got an answer (no client, connect error,
    // timeout); the last refusal stays what it was.
    if (status != 0) {
        counters.last_refusal_status = status;
    }
    return false;
}

void PeerSender::State::take_replies(const std::string& body)
{
    util::Result<std::vector<Envelope>> decoded = decode_batch(body, options.reply_limits);
    std::size_t count = decoded.ok() ? decoded.value().size() : 1;
    bool valid = decoded.ok();
    std::vector<InboundMessage> replies;
    if (valid) {
        replies.reserve(count);
        for (Envelope& envelope : decoded.value()) {
            // All or none, as at the endpoint: a peer that misaddresses one
            // answer is not trusted with the others.
            if (envelope.cluster_id != options.cluster_id || envelope.message.from != peer
                || envelope.message.to != options.self) {
                valid = false;
                break;
            }
            replies.push_back(InboundMessage{std::move(envelope.message), std::string(), nullptr});
        }
    }
    // The peer's address is not passed on: it is the one this sender
    // already uses.
    bool handed_on = valid && options.on_replies(std::move(replies));
    std::lock_guard lock(mutex);
    if (handed_on) {
        counters.replies += count;
    } else {
        counters.replies_dropped += count;
    }
}

void PeerSender::State::back_off()
{
    std::unique_lock lock(mutex);
    // Everything queued before the failure is older than it: the core will
    // have resent what still matters by the time the peer is back.
    drop_queue_locked();
    Clock::time_point deadline =
        Clock::now() + std::chrono::milliseconds(options.failure_backoff_ms);
    // A new address ends the backoff early: the wait protects the old one.
    wake.wait_until(lock, deadline, [this] { return stopping || address_changed; });
    drop_queue_locked();
}

void PeerSender::State::drop_queue_locked()
{
    counters.dropped_failed += queue.size();
    queue.clear();
}

PeerSender::PeerSender(PeerSenderOptions options, raft::NodeId peer, std::string address)
{
    RE_ASSERT(peer != raft::k_no_node);
    RE_ASSERT(is_valid_cluster_id(options.cluster_id));
    RE_ASSERT(options.queue_messages_max > 0);
    RE_ASSERT(options.batch_messages_max > 0);
    RE_ASSERT(options.batch_bytes_max > 0);
    RE_ASSERT(options.request_timeout_ms > 0);
    RE_ASSERT(options.connect_timeout_ms > 0);
    RE_ASSERT(is_header_safe(options.self_address));
    RE_ASSERT(is_header_safe(options.cluster_token));
    if (options.on_replies) {
        RE_ASSERT(options.self != raft::k_no_node);
        RE_ASSERT(options.self != peer);
    }
    m_state = std::make_unique<State>(std::move(options), peer, std::move(address));
    // The first client is made on the sender thread, like every later one.
    m_state->address_changed = true;
    m_state->thread = std::thread([state = m_state.get()] {
        name_this_thread("send-" + std::to_string(state->peer.value));
        state->run();
    });
}

PeerSender::~PeerSender()
{
    {
        std::lock_guard lock(m_state->mutex);
        m_state->stopping = true;
    }
    m_state->wake.notify_all();
    {
        // Cuts short a request in flight (stop() is cpp-httplib's one
        // thread-safe way to do it); a connect in progress still runs to
        // its timeout, which is short.
        std::lock_guard lock(m_state->client_mutex);
        if (m_state->client) {
            m_state->client->stop();
        }
    }
    m_state->thread.join();
}

bool PeerSender::enqueue(raft::Message message)
{
    // Checked here as well as by the encoder, so that a bad message fails
    // in its caller's stack rather than on the sender thread.
    RE_ASSERT(message.to == m_state->peer);
    RE_ASSERT(message.from != raft::k_no_node);
    RE_ASSERT(message.from != message.to);
    {
        std::lock_guard lock(m_state->mutex);
        RE_ASSERT(m_state->queue.size() <= m_state->options.queue_messages_max);
        if (m_state->queue.size() == m_state->options.queue_messages_max) {
            m_state->counters.dropped_queue_full += 1;
            return false;
        }
        m_state->queue.push_back(std::move(message));
    }
    m_state->wake.notify_one();
    return true;
}

void PeerSender::set_address(std::string address)
{
    {
        std::lock_guard lock(m_state->mutex);
        m_state->address = std::move(address);
        m_state->address_changed = true;
    }
    m_state->wake.notify_one();
}

void PeerSender::probe()
{
    {
        std::lock_guard lock(m_state->mutex);
        m_state->probe_wanted = true;
    }
    m_state->wake.notify_one();
}

std::string PeerSender::address() const
{
    std::lock_guard lock(m_state->mutex);
    return m_state->address;
}

raft::NodeId PeerSender::peer() const { return m_state->peer; }

PeerSenderCounters PeerSender::counters() const
{
    std::lock_guard lock(m_state->mutex);
    PeerSenderCounters counters = m_state->counters;
    counters.queued = m_state->queue.size();
    return counters;
}

} // namespace raftescort::transport
