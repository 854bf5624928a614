// Unit tests of the message trace (src/node/message_trace.hpp): what is
// listed, what is counted, and that it stays bounded.

#include "node/message_trace.hpp"

#include <catch2/catch.hpp>

using namespace raftescort;
using node::MessageTrace;
using node::TracedMessage;

namespace {

raft::Message message(raft::MessageType type, std::uint64_t to, std::size_t entries = 0)
{
    raft::Message made;
    made.type = type;
    made.from = raft::NodeId{1};
    made.to = raft::NodeId{to};
    made.term = raft::Term{4};
    for (std::size_t i = 0; i < entries; ++i) {
        made.entries.push_back(raft::Entry{raft::Term{4}, raft::Index{i + 1},
                                           raft::EntryType::normal, "step 1 0"});
    }
    return made;
}

} // namespace

TEST_CASE("the trace lists votes and refusals, and counts heartbeats per window", "[node][trace]")
{
    // Goal: a refused vote is listed with its reason at once; 30 heartbeats
    // to one peer become one item with count 30 once the window ends, and
    // not before.
    MessageTrace trace;
    raft::Message refusal = message(raft::MessageType::vote_response, 2);
    refusal.reject = true;
    refusal.refusal = raft::VoteRefusal::stale_log;
    trace.record(refusal, TracedMessage::Fate::sent, 1000);
    for (int i = 0; i < 30; ++i) {
        trace.record(message(raft::MessageType::heartbeat, 3), TracedMessage::Fate::sent, 1000 + i);
    }
    node::TracePage early = trace.read(0, 100, 1500);
    REQUIRE(early.messages.size() == 1);
    CHECK(early.messages[0].type == raft::MessageType::vote_response);
    CHECK(early.messages[0].refusal == raft::VoteRefusal::stale_log);
    CHECK(early.next == early.messages[0].seq);

    node::TracePage later = trace.read(early.next, 100, 2000);
    REQUIRE(later.messages.size() == 1);
    CHECK(later.messages[0].type == raft::MessageType::heartbeat);
    CHECK(later.messages[0].count == 30);
    CHECK(later.messages[0].at_ms == 2000);
    CHECK(trace.read(later.next, 100, 9000).messages.empty());
}

TEST_CASE("the trace lists the first appends with entries, then counts them", "[node][trace]")
{
    // Goal: per peer and window, the first few appends that carry entries
    // are listed, the rest are counted with their entries summed; empty
    // appends are only counted; a dropped message is counted apart.
    node::MessageTraceOptions options;
    options.listed_per_window = 2;
    MessageTrace trace(options);
    for (int i = 0; i < 5; ++i) {
        trace.record(message(raft::MessageType::append, 2, 3), TracedMessage::Fate::sent, 100);
        trace.record(message(raft::MessageType::append, 2), TracedMessage::Fate::sent, 100);
    }
    trace.record(message(raft::MessageType::append, 2, 1), TracedMessage::Fate::dropped, 100);
    node::TracePage page = trace.read(0, 100, 1100);
    std::uint64_t listed = 0;
    std::uint64_t counted_entries = 0;
    std::uint64_t empty_count = 0;
    std::uint64_t dropped = 0;
    for (const TracedMessage& item : page.messages) {
        if (item.fate == TracedMessage::Fate::dropped) {
            dropped += item.count;
        } else if (item.count == 1 && item.entries == 3) {
            ++listed;
        } else if (item.entries == 0) {
            empty_count += item.count;
        } else {
            CHECK(item.count == 3);
            counted_entries += item.entries;
        }
    }
    CHECK(listed == 2);
    CHECK(counted_entries == 9);
    CHECK(empty_count == 5);
    CHECK(dropped == 1);
}

TEST_CASE("the trace keeps its newest items and tells a reader what it missed", "[node][trace]")
{
    // Goal: past its capacity the oldest items go; a reader behind them is
    // told how many it missed; a cursor from an earlier run starts over.
    node::MessageTraceOptions options;
    options.capacity = 10;
    MessageTrace trace(options);
    for (int i = 0; i < 25; ++i) {
        trace.record(message(raft::MessageType::vote, 2), TracedMessage::Fate::sent, 10);
    }
    node::TracePage page = trace.read(0, 100, 20);
    REQUIRE(page.messages.size() == 10);
    CHECK(page.messages.front().seq == 16);
    CHECK(page.missed == 15);
    CHECK(page.next == 25);
    CHECK(trace.newest(20) == 25);
    node::TracePage restarted = trace.read(1000, 3, 20);
    CHECK(restarted.messages.size() == 3);
    CHECK(restarted.messages.front().seq == 16);
}
