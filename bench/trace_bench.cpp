// Message trace benchmark: what recording one Raft message costs the node
// loop (src/node/message_trace.hpp), for the mix a leader under load sends:
// appends with entries and their answers to four followers, with the
// one-second windows closing as time goes on. It prints figures; it never
// passes or fails on a time.
//
// Usage: trace_bench [MESSAGES]   (built on request: ninja -C build trace_bench)

#include "node/message_trace.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using namespace raftescort;

double nanoseconds_per_record(std::uint64_t messages)
{
    node::MessageTrace trace;
    raft::Message message;
    message.from = raft::NodeId{1};
    message.term = raft::Term{3};
    message.entries.push_back(
        raft::Entry{raft::Term{3}, raft::Index{9}, raft::EntryType::normal, "move 1 0 c=a s=1"});
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < messages; ++i) {
        message.to = raft::NodeId{2 + i % 4};
        message.type = i % 2 == 0 ? raft::MessageType::append : raft::MessageType::append_response;
        // 5,000 messages a millisecond: windows close as they would at that rate.
        trace.record(message, node::TracedMessage::Fate::sent,
                     static_cast<std::int64_t>(1'000'000 + i / 5000));
    }
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    return took.count() / static_cast<double>(messages);
}

} // namespace

int main(int argc, char** argv)
{
    const std::uint64_t messages = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 5'000'000;
    std::vector<double> rounds;
    for (int round = 0; round < 5; ++round) {
        rounds.push_back(nanoseconds_per_record(messages));
    }
    std::sort(rounds.begin(), rounds.end());
    std::printf("message trace: %.1f ns per recorded message (median of 5 rounds of %llu; "
                "min %.1f, max %.1f)\n",
                rounds[2], static_cast<unsigned long long>(messages), rounds.front(),
                rounds.back());
    return 0;
}
