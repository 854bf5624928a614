// Unit tests of the log window and of the watch that notices overwritten
// entries (src/node/log_window.hpp), on a real RaftNode driven by hand.

#include "node/log_window.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace raftescort;
using raft::Index;
using raft::Term;

namespace {

raft::Entry make_entry(std::uint64_t term, std::uint64_t index, std::string data = "step 1 0")
{
    return raft::Entry{Term{term}, Index{index}, raft::EntryType::normal, std::move(data)};
}

/// Node 1 of three, a follower in `term` holding `entries`, none committed.
raft::RaftNode make_follower(std::uint64_t term, std::vector<raft::Entry> entries)
{
    raft::Config config;
    config.id = raft::NodeId{1};
    config.election_ticks = 10;
    raft::PersistedState state;
    state.hard_state.term = Term{term};
    state.entries = std::move(entries);
    raft::Snapshot membership;
    for (std::uint64_t voter = 1; voter <= 3; ++voter) {
        membership.metadata.conf.voters.insert(raft::NodeId{voter});
    }
    state.snapshot = membership;
    return raft::RaftNode(config, std::move(state));
}

/// An append from leader 2 in `term`: `entries` after (prev_index, prev_term).
raft::Message append_from_leader(std::uint64_t term, std::uint64_t prev_index,
                                 std::uint64_t prev_term, std::vector<raft::Entry> entries,
                                 std::uint64_t commit)
{
    raft::Message append;
    append.type = raft::MessageType::append;
    append.from = raft::NodeId{2};
    append.to = raft::NodeId{1};
    append.term = Term{term};
    append.index = Index{prev_index};
    append.log_term = Term{prev_term};
    append.entries = std::move(entries);
    append.commit = Index{commit};
    return append;
}

void settle(raft::RaftNode& node)
{
    raft::Ready ready = node.ready();
    node.advance(ready);
}

} // namespace

TEST_CASE("the log window shows the last entries, or those from an index", "[node][log]")
{
    // Goal: without `from` the window ends at the last entry; with it, it
    // starts there; the limit caps it; the commit point is reported.
    raft::RaftNode node = make_follower(1, {make_entry(1, 1), make_entry(1, 2, "move 1 0"),
                                            make_entry(1, 3), make_entry(1, 4)});
    node.step(append_from_leader(1, 4, 1, {}, 2));
    settle(node);

    node::LogWindow tail = node::read_log_window(node, std::nullopt, 2);
    REQUIRE(tail.entries.size() == 2);
    REQUIRE(tail.entries[0].index == Index{3});
    REQUIRE(tail.entries[1].index == Index{4});
    REQUIRE(tail.first_index == Index{1});
    REQUIRE(tail.last_index == Index{4});
    REQUIRE(tail.commit_index == Index{2});

    node::LogWindow from = node::read_log_window(node, Index{2}, 10);
    REQUIRE(from.entries.size() == 3);
    REQUIRE(from.entries[0].index == Index{2});
    REQUIRE(from.entries[0].command == "move 1 0");

    REQUIRE(node::read_log_window(node, Index{9}, 10).entries.empty());
    REQUIRE(node::read_log_window(node, std::nullopt, 0).entries.empty());
    REQUIRE(node::read_log_window(node, Index{1}, 100000).entries.size() == 4);
}

TEST_CASE("a follower's uncommitted entries replaced by a new leader's are recorded",
          "[node][log][5.3]")
{
    // Goal: entries 3..5 of term 1 were never committed; a leader of term 2
    // whose log differs from index 3 sends its entry 3: entry 3 is recorded
    // as replaced by term 2, 4 and 5 as truncated, and nothing else.
    raft::RaftNode node = make_follower(1, {make_entry(1, 1), make_entry(1, 2), make_entry(1, 3),
                                            make_entry(1, 4), make_entry(1, 5)});
    node.step(append_from_leader(1, 5, 1, {}, 2));
    settle(node);
    node::LogTailWatch watch;
    watch.observe(node, 1000);
    REQUIRE(watch.overwrites().empty());

    node.step(append_from_leader(2, 2, 1, {make_entry(2, 3, "take_lead 2")}, 2));
    settle(node);
    REQUIRE(node.last_index() == Index{3});
    watch.observe(node, 2000);

    const auto& lost = watch.overwrites();
    REQUIRE(lost.size() == 3);
    REQUIRE(lost[0].index == Index{3});
    REQUIRE(lost[0].how == node::LogOverwrite::How::replaced);
    REQUIRE(lost[0].term == Term{1});
    REQUIRE(lost[0].replaced_by == Term{2});
    REQUIRE(lost[0].at_ms == 2000);
    REQUIRE(lost[1].index == Index{4});
    REQUIRE(lost[1].how == node::LogOverwrite::How::truncated);
    REQUIRE(lost[2].index == Index{5});

    // The same log observed again reports nothing new.
    watch.observe(node, 3000);
    REQUIRE(watch.overwrites().size() == 3);
}

TEST_CASE("entries that only get committed or appended are never reported", "[node][log]")
{
    // Goal: the ordinary life of a log (appends, then commits) records no
    // overwrite, and committed entries stop being watched.
    raft::RaftNode node = make_follower(2, {make_entry(1, 1), make_entry(2, 2)});
    node::LogTailWatch watch;
    watch.observe(node, 1);
    for (std::uint64_t index = 3; index <= 40; ++index) {
        node.step(append_from_leader(2, index - 1, 2, {make_entry(2, index)},
                                     index - 1));
        settle(node);
        watch.observe(node, static_cast<std::int64_t>(index));
    }
    REQUIRE(node.commit_index() == Index{39});
    REQUIRE(watch.overwrites().empty());
}

TEST_CASE("the overwrite record is bounded", "[node][log]")
{
    // Goal: however many entries are lost, only the newest k_overwrites_max stay.
    std::vector<raft::Entry> entries;
    for (std::uint64_t index = 1; index <= 100; ++index) {
        entries.push_back(make_entry(1, index));
    }
    raft::RaftNode node = make_follower(1, entries);
    node::LogTailWatch watch;
    watch.observe(node, 1);
    node.step(append_from_leader(2, 0, 0, {make_entry(2, 1, "take_lead 2")}, 0));
    settle(node);
    watch.observe(node, 2);
    REQUIRE(watch.overwrites().size() == node::LogTailWatch::k_overwrites_max);
    REQUIRE(watch.overwrites().back().index == Index{100});
    REQUIRE(watch.overwrites().back().how == node::LogOverwrite::How::truncated);
}
