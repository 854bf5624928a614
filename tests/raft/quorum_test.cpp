// Unit tests of the majority rules (src/raft/quorum.hpp): the commit index a
// majority holds, a vote's outcome, and check-quorum's count. Only voters
// count, and an even number of voters needs more than half.

#include "raft/quorum.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

using namespace raftescort::raft;

namespace {

std::set<NodeId> ids(std::initializer_list<std::uint64_t> values)
{
    std::set<NodeId> result;
    for (std::uint64_t value : values) {
        result.insert(NodeId{value});
    }
    return result;
}

std::vector<Index> indexes(std::initializer_list<std::uint64_t> values)
{
    std::vector<Index> result;
    for (std::uint64_t value : values) {
        result.push_back(Index{value});
    }
    return result;
}

} // namespace

TEST_CASE("a majority is more than half of the voters", "[raft][quorum]")
{
    REQUIRE(quorum::majority(1) == 1);
    REQUIRE(quorum::majority(2) == 2);
    REQUIRE(quorum::majority(3) == 2);
    REQUIRE(quorum::majority(4) == 3);
    REQUIRE(quorum::majority(5) == 3);
    // No voters never make a majority: an empty configuration commits nothing.
    REQUIRE(quorum::majority(0) == 1);
}

TEST_CASE("the committed index is the highest one a majority holds", "[raft][quorum]")
{
    // Goal: the order of the matches does not matter, and one slow or one
    // fast voter never moves the result on its own.
    REQUIRE(quorum::majority_index(indexes({})) == Index{0});
    REQUIRE(quorum::majority_index(indexes({7})) == Index{7});
    REQUIRE(quorum::majority_index(indexes({9, 4, 6})) == Index{6});
    REQUIRE(quorum::majority_index(indexes({4, 6, 9})) == Index{6});
    REQUIRE(quorum::majority_index(indexes({10, 10, 0, 0, 3})) == Index{3});
    REQUIRE(quorum::majority_index(indexes({5, 5, 5, 1, 1})) == Index{5});
    // Four voters need three: the third highest.
    REQUIRE(quorum::majority_index(indexes({8, 7, 2, 1})) == Index{2});
}

TEST_CASE("a vote is won by a majority of grants and lost once one is out of reach",
          "[raft][quorum]")
{
    auto voters = ids({1, 2, 3, 4, 5});
    std::map<NodeId, bool> votes{{NodeId{1}, true}};
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::pending);
    votes[NodeId{2}] = false;
    votes[NodeId{3}] = false;
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::pending);
    votes[NodeId{4}] = true;
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::pending);
    votes[NodeId{5}] = true;
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::won);

    std::map<NodeId, bool> refused{
        {NodeId{1}, true}, {NodeId{2}, false}, {NodeId{3}, false}, {NodeId{4}, false}};
    REQUIRE(quorum::tally(voters, refused) == quorum::VoteResult::lost);
}

TEST_CASE("with an even number of voters two refusals of four decide a vote", "[raft][quorum]")
{
    // Goal: the candidate learns it cannot win as soon as that is so, rather
    // than waiting out its election timeout.
    auto voters = ids({1, 2, 3, 4});
    std::map<NodeId, bool> votes{{NodeId{1}, true}, {NodeId{2}, true}, {NodeId{3}, false}};
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::pending);
    votes[NodeId{4}] = false;
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::lost);
}

TEST_CASE("answers from non-voters count for nothing", "[raft][quorum]")
{
    // Goal: a learner's or a removed member's grant never helps a candidate win.
    auto voters = ids({1, 2, 3});
    std::map<NodeId, bool> votes{{NodeId{1}, true}, {NodeId{7}, true}, {NodeId{8}, true}};
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::pending);
    votes[NodeId{2}] = true;
    REQUIRE(quorum::tally(voters, votes) == quorum::VoteResult::won);

    std::map<NodeId, bool> strangers_refuse{
        {NodeId{1}, true}, {NodeId{7}, false}, {NodeId{8}, false}, {NodeId{9}, false}};
    REQUIRE(quorum::tally(voters, strangers_refuse) == quorum::VoteResult::pending);
}

TEST_CASE("a single voter wins its own vote, and no voters never win", "[raft][quorum]")
{
    REQUIRE(quorum::tally(ids({1}), {{NodeId{1}, true}}) == quorum::VoteResult::won);
    REQUIRE(quorum::tally(ids({}), {{NodeId{1}, true}}) != quorum::VoteResult::won);
}

TEST_CASE("has_majority counts only the voters among the nodes", "[raft][quorum]")
{
    auto voters = ids({1, 2, 3, 4, 5});
    REQUIRE(quorum::has_majority(voters, ids({1, 2, 3})));
    REQUIRE_FALSE(quorum::has_majority(voters, ids({1, 2})));
    REQUIRE_FALSE(quorum::has_majority(voters, ids({1, 2, 6, 7, 8})));
    REQUIRE_FALSE(quorum::has_majority(ids({}), ids({1})));
}
