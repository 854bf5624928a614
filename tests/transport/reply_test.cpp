// Tests of answers riding back in the response (reply_slot.hpp): the slot on
// its own, the endpoint's 200 with a batch, and a sender handing the answers
// it gets back to its node, against real servers on loopback.

#include "codec_test_support.hpp"
#include "http_test_server.hpp"

#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/reply_slot.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace codec_test;
using namespace std::chrono_literals;
using http_test::TestServer;
using http_test::wait_until;
using transport::InboundMessage;
using transport::ReplySlot;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* k_cluster = "prod-1";
const raft::NodeId k_leader{1};
const raft::NodeId k_follower{2};

raft::Message message_of(raft::MessageType type, raft::NodeId from, raft::NodeId to,
                         std::uint64_t term)
{
    raft::Message message;
    message.type = type;
    message.from = from;
    message.to = to;
    message.term = raft::Term{term};
    return message;
}

raft::Message ack(std::uint64_t term)
{
    return message_of(raft::MessageType::append_response, k_follower, k_leader, term);
}

/// Node 2 of "prod-1": its "loop" answers every message with an ack of the
/// same term, through the request's slot when there is one, else not at all.
struct AnsweringNode {
    std::mutex mutex;
    std::vector<InboundMessage> received;
    bool answer = true;
    TestServer server{[this](transport::HttpServer& http) {
        transport::RaftEndpointOptions options;
        options.cluster_id = k_cluster;
        options.self = k_follower;
        options.reply_wait = 2000ms;
        transport::install_raft_endpoint(http, options,
                                         [this](std::vector<InboundMessage> inbound) {
                                             std::lock_guard lock(mutex);
                                             for (InboundMessage& message : inbound) {
                                                 if (answer && message.reply) {
                                                     raft::Message reply =
                                                         ack(message.message.term.value);
                                                     // Checked by the caller, in the answer.
                                                     (void)message.reply->add(reply);
                                                 }
                                                 received.push_back(message);
                                             }
                                             // One loop iteration: the slot closes at its end.
                                             if (!inbound.empty() && inbound.back().reply) {
                                                 inbound.back().reply->close();
                                             }
                                             return true;
                                         });
    }};
};

httplib::Result post(AnsweringNode& node, const std::string& body, bool ask_for_replies)
{
    httplib::Client client("127.0.0.1", node.server.port());
    httplib::Headers headers;
    if (ask_for_replies) {
        headers.emplace(transport::k_reply_header, transport::k_reply_header_value);
    }
    return client.Post(transport::k_raft_message_path, headers, body, "application/json");
}

std::string batch_of(const std::vector<raft::Message>& messages,
                     const std::string& cluster = k_cluster)
{
    std::string body;
    for (const raft::Message& message : messages) {
        std::string encoded = transport::encode_envelope(transport::Envelope{cluster, message});
        transport::append_to_batch(body, encoded);
    }
    return body;
}

} // namespace

TEST_CASE("reply slot: answers added before the close are taken; later ones are refused",
          "[transport][reply]")
{
    ReplySlot slot;
    raft::Message first = ack(3);
    raft::Message second = ack(4);
    REQUIRE(slot.add(first));
    REQUIRE(slot.add(second));
    slot.close();
    slot.close(); // idempotent

    raft::Message late = ack(5);
    CHECK_FALSE(slot.add(late));
    // A refused message is left for the caller to send another way.
    CHECK(late.term == raft::Term{5});

    std::vector<raft::Message> taken = slot.take(Clock::now() + 10ms);
    REQUIRE(taken.size() == 2);
    CHECK(taken[0].term == raft::Term{3});
    CHECK(taken[1].term == raft::Term{4});
}

TEST_CASE("reply slot: take waits for the close, or for its deadline and then closes the door",
          "[transport][reply]")
{
    SECTION("closed by another thread while waiting")
    {
        ReplySlot slot;
        std::thread loop([&slot] {
            std::this_thread::sleep_for(20ms);
            raft::Message message = ack(7);
            REQUIRE(slot.add(message));
            slot.close();
        });
        auto started = Clock::now();
        std::vector<raft::Message> taken = slot.take(Clock::now() + 5s);
        loop.join();
        CHECK(Clock::now() - started < 4s);
        REQUIRE(taken.size() == 1);
        CHECK(taken[0].term == raft::Term{7});
    }
    SECTION("never closed: the deadline ends the wait with what is there")
    {
        ReplySlot slot;
        raft::Message early = ack(8);
        REQUIRE(slot.add(early));
        auto started = Clock::now();
        std::vector<raft::Message> taken = slot.take(Clock::now() + 50ms);
        CHECK(Clock::now() - started >= 50ms);
        REQUIRE(taken.size() == 1);
        raft::Message late = ack(9);
        CHECK_FALSE(slot.add(late));
    }
}

TEST_CASE("raft endpoint: a request that asks gets the answers back as a 200 batch",
          "[transport][reply][raft_endpoint]")
{
    AnsweringNode node;
    std::vector<raft::Message> appends{
        message_of(raft::MessageType::append, k_leader, k_follower, 5),
        message_of(raft::MessageType::heartbeat, k_leader, k_follower, 6)};

    auto answered = post(node, batch_of(appends), true);
    REQUIRE(answered);
    CHECK(answered->status == 200);
    CHECK(answered->get_header_value("Content-Type") == "application/json");
    auto replies = transport::decode_batch(answered->body);
    REQUIRE(replies.ok());
    REQUIRE(replies.value().size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(replies.value()[i].cluster_id == k_cluster);
        CHECK(same_message(replies.value()[i].message, ack(appends[i].term.value)));
    }

    // Without the header nothing waits and nothing comes back.
    auto plain = post(node, batch_of(appends), false);
    REQUIRE(plain);
    CHECK(plain->status == 204);
    CHECK(plain->body.empty());
    std::lock_guard lock(node.mutex);
    REQUIRE(node.received.size() == 4);
    CHECK(node.received[0].reply != nullptr);
    CHECK(node.received[0].reply == node.received[1].reply);
    CHECK(node.received[2].reply == nullptr);
}

TEST_CASE("raft endpoint: a request that asks but gets no answers is a plain 204",
          "[transport][reply][raft_endpoint]")
{
    AnsweringNode node;
    node.answer = false;
    auto started = Clock::now();
    raft::Message append = message_of(raft::MessageType::append, k_leader, k_follower, 5);
    auto result = post(node, batch_of({append}), true);
    REQUIRE(result);
    CHECK(result->status == 204);
    CHECK(result->body.empty());
    // The close, not the 2 s deadline, ended the wait.
    CHECK(Clock::now() - started < 1500ms);
}

TEST_CASE("peer sender: answers in the response reach the node, misaddressed ones do not",
          "[transport][reply][peer_sender]")
{
    std::mutex mutex;
    std::vector<InboundMessage> handed_on;
    transport::PeerSenderOptions options;
    options.cluster_id = k_cluster;
    options.self_address = "127.0.0.1:7001";
    options.self = k_leader;
    options.on_replies = [&](std::vector<InboundMessage> replies) {
        std::lock_guard lock(mutex);
        for (InboundMessage& reply : replies) {
            handed_on.push_back(std::move(reply));
        }
        return true;
    };
    auto handed_on_count = [&] {
        std::lock_guard lock(mutex);
        return handed_on.size();
    };

    SECTION("from a real endpoint")
    {
        AnsweringNode node;
        transport::PeerSender sender(options, k_follower, node.server.address());
        REQUIRE(sender.enqueue(message_of(raft::MessageType::append, k_leader, k_follower, 11)));
        REQUIRE(wait_until([&] { return handed_on_count() == 1; }));
        std::lock_guard lock(mutex);
        CHECK(same_message(handed_on[0].message, ack(11)));
        CHECK(handed_on[0].sender_address.empty());
        CHECK(handed_on[0].reply == nullptr);
        CHECK(sender.counters().replies == 1);
        CHECK(sender.counters().sent == 1);
    }

    SECTION("a batch with one answer from the wrong node, or to the wrong node, is dropped whole")
    {
        std::mutex answer_mutex;
        std::string answer;
        auto set_answer = [&](std::string body) {
            std::lock_guard lock(answer_mutex);
            answer = std::move(body);
        };
        TestServer peer([&](transport::HttpServer& http) {
            http.Post(
                transport::k_raft_message_path,
                [&](const httplib::Request& request, httplib::Response& response) {
                    std::lock_guard lock(answer_mutex);
                    // Only a request that asked gets answers.
                    bool asked = request.get_header_value(transport::k_reply_header)
                                 == transport::k_reply_header_value;
                    response.status = asked ? 200 : 204;
                    if (asked) {
                        response.set_content(answer, "application/json");
                    }
                },
                http_test::raft_route());
        });
        raft::Message from_elsewhere = ack(12);
        from_elsewhere.from = raft::NodeId{3};
        raft::Message to_elsewhere = ack(13);
        to_elsewhere.to = raft::NodeId{4};
        set_answer(batch_of({ack(12), from_elsewhere}));
        transport::PeerSender sender(options, k_follower, peer.address());
        REQUIRE(sender.enqueue(message_of(raft::MessageType::append, k_leader, k_follower, 12)));
        REQUIRE(wait_until([&] { return sender.counters().replies_dropped == 2; }));
        CHECK(sender.counters().sent == 1);
        CHECK(handed_on_count() == 0);

        set_answer(batch_of({to_elsewhere}));
        REQUIRE(sender.enqueue(message_of(raft::MessageType::append, k_leader, k_follower, 13)));
        REQUIRE(wait_until([&] { return sender.counters().replies_dropped == 3; }));
        set_answer(batch_of({ack(14)}, "staging"));
        REQUIRE(sender.enqueue(message_of(raft::MessageType::append, k_leader, k_follower, 14)));
        REQUIRE(wait_until([&] { return sender.counters().replies_dropped == 4; }));
        set_answer("{not json");
        REQUIRE(sender.enqueue(message_of(raft::MessageType::append, k_leader, k_follower, 15)));
        REQUIRE(wait_until([&] { return sender.counters().replies_dropped == 5; }));
        CHECK(handed_on_count() == 0);

        // And a good one still gets through afterwards.
        set_answer(batch_of({ack(16)}));
        REQUIRE(sender.enqueue(message_of(raft::MessageType::append, k_leader, k_follower, 16)));
        REQUIRE(wait_until([&] { return handed_on_count() == 1; }));
        CHECK(sender.counters().replies == 1);
    }
}
