// Unit tests of RaftLog, the in-memory log behind RaftNode.

#include "raft/raft_log.hpp"

#include <catch2/catch.hpp>

using namespace raftescort::raft;

namespace {

Entry entry(std::uint64_t term, std::uint64_t index)
{
    return Entry{Term{term}, Index{index}, EntryType::normal, "e" + std::to_string(index)};
}

} // namespace

TEST_CASE("RaftLog knows terms of its entries and its snapshot point", "[raft_log]")
{
    // Goal: term() answers for the snapshot point and entries, nothing else.
    RaftLog log(Index{5}, Term{2}, {entry(2, 6), entry(3, 7)});
    REQUIRE(log.first_index() == Index{6});
    REQUIRE(log.last_index() == Index{7});
    REQUIRE(log.term(Index{5}) == Term{2});
    REQUIRE(log.term(Index{7}) == Term{3});
    REQUIRE_FALSE(log.term(Index{4}).has_value());
    REQUIRE_FALSE(log.term(Index{8}).has_value());
    REQUIRE(log.stable() == Index{7});
}

TEST_CASE("RaftLog up-to-date check compares last term, then length", "[raft_log][5.4.1]")
{
    // Goal: §5.4.1 exactly.
    RaftLog log(Index{0}, Term{0}, {entry(1, 1), entry(3, 2)});
    REQUIRE(log.is_up_to_date(Index{2}, Term{3}));
    REQUIRE(log.is_up_to_date(Index{1}, Term{4}));
    REQUIRE_FALSE(log.is_up_to_date(Index{9}, Term{2}));
    REQUIRE_FALSE(log.is_up_to_date(Index{1}, Term{3}));
}

TEST_CASE("RaftLog merge keeps matching entries and truncates at a conflict", "[raft_log][5.3]")
{
    // Goal: maybe_append deletes only from the first conflicting entry, and
    // moves the stable index back when durable entries are replaced.
    RaftLog log(Index{0}, Term{0}, {entry(1, 1), entry(1, 2), entry(1, 3)});
    auto last = log.maybe_append(Index{1}, Term{1}, {entry(1, 2), entry(2, 3), entry(2, 4)});
    REQUIRE(last == Index{4});
    REQUIRE(log.term(Index{3}) == Term{2});
    REQUIRE(log.last_index() == Index{4});
    REQUIRE(log.stable() == Index{2});
    REQUIRE(log.unstable_entries().size() == 2);
    // A stale, shorter append does not truncate anything.
    last = log.maybe_append(Index{1}, Term{1}, {entry(1, 2)});
    REQUIRE(last == Index{2});
    REQUIRE(log.last_index() == Index{4});
    // A mismatching previous entry is refused.
    REQUIRE_FALSE(log.maybe_append(Index{4}, Term{1}, {}).has_value());
}

TEST_CASE("RaftLog conflict hints name a term's first index", "[raft_log][5.3]")
{
    // Goal: the hints fast backtracking relies on.
    RaftLog log(Index{0}, Term{0},
                {entry(1, 1), entry(2, 2), entry(2, 3), entry(2, 4), entry(4, 5)});
    REQUIRE(log.first_index_of_term_at(Index{4}) == Index{2});
    REQUIRE(log.first_index_of_term_at(Index{1}) == Index{1});
    REQUIRE(log.last_index_of_term(Term{2}, Index{5}) == Index{4});
    REQUIRE_FALSE(log.last_index_of_term(Term{3}, Index{5}).has_value());
}

TEST_CASE("RaftLog compaction drops applied entries and keeps the snapshot term", "[raft_log][7]")
{
    // Goal: after compact, the log starts after the snapshot point and still knows its term.
    RaftLog log(Index{0}, Term{0}, {entry(1, 1), entry(1, 2), entry(2, 3)});
    log.commit_to(Index{3});
    log.applying_to(Index{3});
    log.applied_to(Index{2});
    log.compact(Index{2});
    REQUIRE(log.first_index() == Index{3});
    REQUIRE(log.term(Index{2}) == Term{1});
    REQUIRE(log.last_index() == Index{3});
    log.restore(Index{10}, Term{4});
    REQUIRE(log.last_index() == Index{10});
    REQUIRE(log.committed() == Index{10});
    REQUIRE(log.last_term() == Term{4});
}

TEST_CASE("RaftLog hands out committed entries once, in order", "[raft_log][5.3]")
{
    // Goal: entries_to_apply starts after what was already handed out.
    RaftLog log(Index{0}, Term{0}, {entry(1, 1), entry(1, 2), entry(1, 3)});
    log.commit_to(Index{2});
    auto first = log.entries_to_apply(log.committed());
    REQUIRE(first.size() == 2);
    log.applying_to(Index{2});
    REQUIRE(log.entries_to_apply(log.committed()).empty());
    log.commit_to(Index{3});
    auto second = log.entries_to_apply(log.committed());
    REQUIRE(second.size() == 1);
    REQUIRE(second[0].index == Index{3});
}
