// Tests of the per-peer sender (src/transport/http/peer_sender.cpp) against
// real servers on loopback: what arrives and how, what a refusal or a dead
// peer costs, and that one bad peer never holds up another.

#include "codec_test_support.hpp"
#include "http_test_server.hpp"

#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace codec_test;
using namespace std::chrono_literals;
using http_test::TestServer;
using http_test::wait_until;
using transport::PeerSender;
using transport::PeerSenderOptions;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* k_cluster = "prod-1";
constexpr const char* k_self_address = "127.0.0.1:7001";
const raft::NodeId k_peer{2};

PeerSenderOptions sender_options(const std::string& token = "")
{
    PeerSenderOptions options;
    options.cluster_id = k_cluster;
    options.self_address = k_self_address;
    options.cluster_token = token;
    return options;
}

raft::Message message_to_peer(Rng& rng, raft::MessageType type)
{
    raft::Message message = random_message(rng, type);
    message.from = raft::NodeId{1};
    message.to = k_peer;
    return message;
}

raft::Message heartbeat(std::uint64_t term)
{
    raft::Message message;
    message.type = raft::MessageType::heartbeat;
    message.from = raft::NodeId{1};
    message.to = k_peer;
    message.term = raft::Term{term};
    return message;
}

struct RecordedRequest {
    std::string body;
    std::string content_type;
    std::string address;
    bool has_token = false;
    std::string token;
    int remote_port = 0;
};

/// A peer that records every request and answers 204.
struct RecordingPeer {
    std::mutex mutex;
    std::vector<RecordedRequest> requests;
    TestServer server{[this](transport::HttpServer& http) {
        http.Post(
            transport::k_raft_message_path,
            [this](const httplib::Request& request, httplib::Response& response) {
                RecordedRequest recorded{
                    request.body,
                    request.get_header_value("Content-Type"),
                    request.get_header_value(transport::k_address_header),
                    request.has_header(transport::k_token_header),
                    request.get_header_value(transport::k_token_header),
                    request.remote_port,
                };
                std::lock_guard lock(mutex);
                requests.push_back(std::move(recorded));
                response.status = 204;
            },
            http_test::raft_route());
    }};

    std::size_t count()
    {
        std::lock_guard lock(mutex);
        return requests.size();
    }
    /// Messages received, over all requests (each body is a batch).
    std::size_t messages()
    {
        std::lock_guard lock(mutex);
        std::size_t total = 0;
        for (const RecordedRequest& request : requests) {
            auto decoded = transport::decode_batch(request.body);
            total += decoded.ok() ? decoded.value().size() : 0;
        }
        return total;
    }
    std::vector<RecordedRequest> snapshot()
    {
        std::lock_guard lock(mutex);
        return requests;
    }
};

/// A peer whose handler hangs until released (at most a few seconds).
struct SlowPeer {
    std::mutex mutex;
    std::condition_variable released_changed;
    bool released = false;
    std::atomic<int> entered{0};
    TestServer server{[this](transport::HttpServer& http) {
        http.Post(
            transport::k_raft_message_path,
            [this](const httplib::Request&, httplib::Response& response) {
                entered += 1;
                std::unique_lock lock(mutex);
                released_changed.wait_for(lock, 4s, [this] { return released; });
                response.status = 204;
            },
            http_test::raft_route());
    }};

    // Released before the server member stops, so the stop never waits on a hung handler.
    ~SlowPeer()
    {
        std::lock_guard lock(mutex);
        released = true;
        released_changed.notify_all();
    }
};

/// Destroys `sender` and returns how long that took.
Clock::duration destroy_timed(std::unique_ptr<PeerSender>& sender)
{
    auto start = Clock::now();
    sender.reset();
    return Clock::now() - start;
}

} // namespace

TEST_CASE("PeerSender delivers messages in order, with the wire headers, on one connection",
          "[transport][peer_sender]")
{
    // Goal: every message arrives once, in order, decodes to what was
    // queued, and carries the documented headers. Method: queue a burst of
    // random messages of every type to a recording peer and compare.
    RecordingPeer peer;
    auto sender =
        std::make_unique<PeerSender>(sender_options("tok-1"), k_peer, peer.server.address());
    CHECK(sender->peer() == k_peer);
    CHECK(sender->address() == peer.server.address());

    Rng rng(42);
    std::vector<raft::Message> sent;
    for (int i = 0; i < 200; ++i) {
        auto type = static_cast<raft::MessageType>(i % 11);
        sent.push_back(message_to_peer(rng, type));
        REQUIRE(sender->enqueue(sent.back()));
    }
    REQUIRE(wait_until([&] { return peer.messages() == sent.size(); }));

    std::vector<RecordedRequest> requests = peer.snapshot();
    std::vector<transport::Envelope> received;
    for (const RecordedRequest& request : requests) {
        auto decoded = transport::decode_batch(request.body);
        REQUIRE(decoded.ok());
        received.insert(received.end(), decoded.value().begin(), decoded.value().end());
        CHECK(request.content_type == "application/json");
        CHECK(request.address == k_self_address);
        CHECK(request.has_token);
        CHECK(request.token == "tok-1");
        // Keep-alive: one connection (one client port) for the whole burst.
        CHECK(request.remote_port == requests[0].remote_port);
    }
    REQUIRE(received.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        INFO("message " << i);
        CHECK(received[i].cluster_id == k_cluster);
        CHECK(same_message(received[i].message, sent[i]));
    }
    REQUIRE(wait_until([&] { return sender->counters().sent == sent.size(); }));
    transport::PeerSenderCounters counters = sender->counters();
    CHECK(counters.requests == requests.size());
    CHECK(counters.failures == 0);
    CHECK(counters.dropped_failed == 0);
    CHECK(counters.dropped_queue_full == 0);
    CHECK(counters.queued == 0);
    CHECK(counters.reachable);
    CHECK(counters.last_refusal_status == 0);

    // Without a token, no token header is sent at all.
    auto tokenless = std::make_unique<PeerSender>(sender_options(), k_peer, peer.server.address());
    std::size_t before = peer.count();
    REQUIRE(tokenless->enqueue(heartbeat(9)));
    REQUIRE(wait_until([&] { return peer.count() == before + 1; }));
    CHECK_FALSE(peer.snapshot().back().has_token);
}

TEST_CASE("PeerSender and the raft endpoint agree; refusals are counted",
          "[transport][peer_sender]")
{
    // Goal: a sender talking to the real endpoint is accepted with the right
    // token and cluster, and a refusal (403, 409) is a counted failure.
    std::mutex mutex;
    std::vector<transport::InboundMessage> inbox;
    TestServer server([&](transport::HttpServer& http) {
        transport::RaftEndpointOptions options;
        options.cluster_id = k_cluster;
        options.self = k_peer;
        options.cluster_token = "tok-1";
        transport::install_raft_endpoint(
            http, options, [&](std::vector<transport::InboundMessage> inbound) {
                std::lock_guard lock(mutex);
                for (transport::InboundMessage& message : inbound) {
                    inbox.push_back(std::move(message));
                }
                return true;
            });
    });
    auto inbox_size = [&] {
        std::lock_guard lock(mutex);
        return inbox.size();
    };

    SECTION("accepted")
    {
        PeerSender sender(sender_options("tok-1"), k_peer, server.address());
        for (std::uint64_t term = 1; term <= 20; ++term) {
            REQUIRE(sender.enqueue(heartbeat(term)));
        }
        REQUIRE(wait_until([&] { return inbox_size() == 20; }));
        for (std::uint64_t term = 1; term <= 20; ++term) {
            CHECK(inbox[term - 1].message.term == raft::Term{term});
            CHECK(inbox[term - 1].sender_address == k_self_address);
        }
        REQUIRE(wait_until([&] { return sender.counters().sent == 20; }));
        CHECK(sender.counters().reachable);
    }
    SECTION("no token: 403")
    {
        PeerSender sender(sender_options(), k_peer, server.address());
        REQUIRE(sender.enqueue(heartbeat(1)));
        REQUIRE(wait_until([&] { return sender.counters().failures == 1; }));
        transport::PeerSenderCounters counters = sender.counters();
        CHECK(counters.last_refusal_status == 403);
        CHECK(counters.sent == 0);
        CHECK(counters.dropped_failed == 1);
        CHECK_FALSE(counters.reachable);
        CHECK(inbox_size() == 0);
    }
    SECTION("another cluster: 409")
    {
        PeerSenderOptions options = sender_options("tok-1");
        options.cluster_id = "staging";
        PeerSender sender(options, k_peer, server.address());
        REQUIRE(sender.enqueue(heartbeat(1)));
        REQUIRE(wait_until([&] { return sender.counters().failures == 1; }));
        CHECK(sender.counters().last_refusal_status == 409);
        CHECK(inbox_size() == 0);
    }
}

TEST_CASE("PeerSender sends what queued during a request as one batch, within the byte bound",
          "[transport][peer_sender]")
{
    // Goal: under load a peer costs one request per round trip, not one per
    // message, and no body outgrows batch_bytes_max unless one message alone
    // does. Method: hold the first request at a slow peer, queue 100 more,
    // release, and count the requests; then repeat with a tiny byte bound.
    SlowPeer peer;
    std::mutex mutex;
    std::vector<std::size_t> batch_sizes;
    std::vector<std::size_t> body_sizes;
    TestServer counting([&](transport::HttpServer& http) {
        http.Post(
            transport::k_raft_message_path,
            [&](const httplib::Request& request, httplib::Response& response) {
                auto decoded = transport::decode_batch(request.body);
                std::lock_guard lock(mutex);
                batch_sizes.push_back(decoded.ok() ? decoded.value().size() : 0);
                body_sizes.push_back(request.body.size());
                response.status = 204;
            },
            http_test::raft_route());
    });
    auto total = [&] {
        std::lock_guard lock(mutex);
        std::size_t sum = 0;
        for (std::size_t size : batch_sizes) {
            sum += size;
        }
        return sum;
    };

    SECTION("queued during a request")
    {
        PeerSender sender(sender_options(), k_peer, peer.server.address());
        REQUIRE(sender.enqueue(heartbeat(1)));
        REQUIRE(wait_until([&] { return peer.entered.load() == 1; }));
        for (std::uint64_t term = 2; term <= 101; ++term) {
            REQUIRE(sender.enqueue(heartbeat(term)));
        }
        {
            std::lock_guard lock(peer.mutex);
            peer.released = true;
        }
        peer.released_changed.notify_all();
        REQUIRE(wait_until([&] { return sender.counters().sent == 101; }));
        // The first request, then the 100 queued behind it together.
        CHECK(sender.counters().requests == 2);
        CHECK(peer.entered.load() == 2);
    }
    SECTION("the byte bound splits a batch")
    {
        PeerSenderOptions options = sender_options();
        options.batch_bytes_max = 300;
        PeerSender sender(options, k_peer, counting.address());
        Rng rng(5);
        std::vector<raft::Message> sent;
        for (int i = 0; i < 200; ++i) {
            sent.push_back(i % 50 == 0 ? message_to_peer(rng, raft::MessageType::append)
                                       : heartbeat(static_cast<std::uint64_t>(i + 1)));
            REQUIRE(sender.enqueue(sent.back()));
        }
        REQUIRE(wait_until([&] { return total() == sent.size(); }));
        std::lock_guard lock(mutex);
        REQUIRE(batch_sizes.size() == body_sizes.size());
        for (std::size_t i = 0; i < body_sizes.size(); ++i) {
            INFO("request " << i << ": " << batch_sizes[i] << " messages, " << body_sizes[i]
                            << " bytes");
            // Over the bound only as a single message; otherwise within it.
            CHECK((body_sizes[i] <= 300 || batch_sizes[i] == 1));
        }
        CHECK(batch_sizes.size() < sent.size());
        CHECK(sender.counters().failures == 0);
    }
}

TEST_CASE("PeerSender to a dead peer never blocks enqueue, stays bounded and stops promptly",
          "[transport][peer_sender]")
{
    // Goal: nothing listening costs the caller nothing. Method: flood a
    // sender whose peer refuses connections, then trickle messages in and
    // check the failures are paced by the backoff, not by the messages.
    PeerSenderOptions options = sender_options();
    options.queue_messages_max = 16;
    options.failure_backoff_ms = 100;
    auto sender = std::make_unique<PeerSender>(
        options, k_peer, "127.0.0.1:" + std::to_string(http_test::unused_port()));

    constexpr std::uint64_t k_flood = 2000;
    auto start = Clock::now();
    for (std::uint64_t i = 0; i < k_flood; ++i) {
        (void)sender->enqueue(heartbeat(i + 1));
    }
    CHECK(Clock::now() - start < 200ms);
    transport::PeerSenderCounters counters = sender->counters();
    CHECK(counters.queued <= options.queue_messages_max);
    CHECK(counters.dropped_queue_full > 0);

    REQUIRE(wait_until([&] {
        auto now = sender->counters();
        return now.failures >= 1 && now.queued == 0;
    }));
    counters = sender->counters();
    CHECK(counters.sent == 0);
    CHECK_FALSE(counters.reachable);
    CHECK(counters.last_refusal_status == 0);
    // Every message is accounted for: sent, dropped, or still queued.
    CHECK(counters.dropped_queue_full + counters.dropped_failed + counters.queued == k_flood);

    // One message a millisecond for 300 ms: about one connect per 100 ms backoff.
    std::uint64_t failures_before = counters.failures;
    auto trickle_end = Clock::now() + 300ms;
    std::uint64_t trickled = 0;
    while (Clock::now() < trickle_end) {
        (void)sender->enqueue(heartbeat(1));
        trickled += 1;
        std::this_thread::sleep_for(1ms);
    }
    counters = sender->counters();
    CHECK(counters.failures - failures_before <= 6);
    CHECK(counters.queued <= options.queue_messages_max);
    CHECK(trickled > 20);

    CHECK(destroy_timed(sender) < 2s);
}

TEST_CASE("PeerSender to a slow peer does not delay a sender to a healthy one",
          "[transport][peer_sender]")
{
    // Goal: per-peer isolation. Method: one sender's request hangs in the
    // peer's handler while a second sender delivers a burst; then the stuck
    // sender is destroyed mid-request, well before its request timeout.
    SlowPeer slow;
    RecordingPeer healthy;
    PeerSenderOptions slow_options = sender_options();
    slow_options.request_timeout_ms = 5000;
    auto slow_sender = std::make_unique<PeerSender>(slow_options, k_peer, slow.server.address());
    auto healthy_sender =
        std::make_unique<PeerSender>(sender_options(), k_peer, healthy.server.address());

    REQUIRE(slow_sender->enqueue(heartbeat(1)));
    REQUIRE(wait_until([&] { return slow.entered == 1; }));

    auto start = Clock::now();
    for (std::uint64_t term = 1; term <= 50; ++term) {
        REQUIRE(healthy_sender->enqueue(heartbeat(term)));
        // Queueing behind the stuck request never blocks either.
        REQUIRE(slow_sender->enqueue(heartbeat(term)));
    }
    REQUIRE(wait_until([&] { return healthy.messages() == 50; }, 1000ms));
    CHECK(Clock::now() - start < 1s);
    CHECK(slow_sender->counters().queued == 50);
    CHECK(slow_sender->counters().sent == 0);

    CHECK(destroy_timed(slow_sender) < 2s);
}

TEST_CASE("PeerSender set_address moves traffic to the new address", "[transport][peer_sender]")
{
    RecordingPeer first;
    RecordingPeer second;
    auto sender = std::make_unique<PeerSender>(sender_options(), k_peer, first.server.address());

    REQUIRE(sender->enqueue(heartbeat(1)));
    REQUIRE(wait_until([&] { return first.count() == 1; }));

    sender->set_address(second.server.address());
    CHECK(sender->address() == second.server.address());
    REQUIRE(sender->enqueue(heartbeat(2)));
    REQUIRE(sender->enqueue(heartbeat(3)));
    REQUIRE(wait_until([&] { return second.messages() == 2; }));
    CHECK(first.count() == 1);
    auto decoded = transport::decode_batch(second.snapshot().back().body);
    REQUIRE(decoded.ok());
    CHECK(decoded.value().back().message.term == raft::Term{3});
    REQUIRE(wait_until([&] { return sender->counters().sent == 3; }));
    CHECK(sender->counters().failures == 0);
}

TEST_CASE("PeerSender with an unusable address fails until set_address fixes it",
          "[transport][peer_sender]")
{
    RecordingPeer peer;
    PeerSenderOptions options = sender_options();
    // Long enough that only the new address can end the backoff in time.
    options.failure_backoff_ms = 10000;
    auto sender = std::make_unique<PeerSender>(options, k_peer, "not an address");

    REQUIRE(sender->enqueue(heartbeat(1)));
    REQUIRE(wait_until([&] { return sender->counters().failures == 1; }));
    CHECK(sender->counters().last_refusal_status == 0);

    sender->set_address(peer.server.address());
    // The address change ends the 10 s backoff: messages arrive well before
    // it would have. (One queued before the thread wakes may still be dropped
    // as queued during the backoff, so keep offering them.)
    REQUIRE(wait_until(
        [&] {
            (void)sender->enqueue(heartbeat(2));
            return peer.count() >= 1;
        },
        2000ms));
    // The peer records a request before the sender reads its answer.
    CHECK(wait_until([&] { return sender->counters().sent >= 1; }));
    CHECK(destroy_timed(sender) < 2s);
}

namespace {

/// A port that listens but never accepts, as a paused (SIGSTOP) process's
/// does: the kernel still completes the handshake.
class SilentListener {
public:
    SilentListener()
    {
        m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(listen(m_fd, 8) == 0);
        socklen_t length = sizeof address;
        REQUIRE(getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        m_port = ntohs(address.sin_port);
    }
    ~SilentListener() { close(m_fd); }
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

private:
    int m_fd = -1;
    int m_port = 0;
};

/// Counts on_refused calls and the peer they named.
struct Refusals {
    std::mutex mutex;
    std::vector<raft::NodeId> peers;

    PeerSenderOptions options()
    {
        PeerSenderOptions options = sender_options();
        options.on_refused = [this](raft::NodeId peer) {
            std::lock_guard lock(mutex);
            peers.push_back(peer);
        };
        return options;
    }
    std::size_t count()
    {
        std::lock_guard lock(mutex);
        return peers.size();
    }
};

} // namespace

TEST_CASE("PeerSender probe reports a port nobody listens on, and only that",
          "[transport][peer_sender]")
{
    // Goal: a refused connect is the one answer that means the peer's
    // process is gone; a live peer, or one that is paused (its kernel still
    // accepts), is never reported, and the probe sends it no request.
    Refusals refusals;
    SECTION("nobody listens")
    {
        PeerSender sender(refusals.options(), k_peer,
                          "127.0.0.1:" + std::to_string(http_test::unused_port()));
        sender.probe();
        REQUIRE(wait_until([&] { return refusals.count() == 1; }));
        std::lock_guard lock(refusals.mutex);
        CHECK(refusals.peers.front() == k_peer);
    }
    SECTION("a live peer")
    {
        RecordingPeer peer;
        PeerSender sender(refusals.options(), k_peer, peer.server.address());
        sender.probe();
        REQUIRE(sender.enqueue(heartbeat(1)));
        REQUIRE(wait_until([&] { return peer.messages() == 1; }));
        std::this_thread::sleep_for(100ms);
        CHECK(refusals.count() == 0);
        CHECK(peer.count() == 1);
    }
    SECTION("a paused peer")
    {
        SilentListener paused;
        PeerSender sender(refusals.options(), k_peer, paused.address());
        sender.probe();
        std::this_thread::sleep_for(200ms);
        CHECK(refusals.count() == 0);
    }
}
