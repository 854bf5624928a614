// The integration tests' own checkers (cluster_checks.hpp), fed by hand: a
// checker that cannot fail proves nothing (a checker self-test).

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

using namespace raftescort::integration;

namespace {

NodeStatus sample(std::uint64_t id, const std::string& role, std::uint64_t term,
                  std::uint64_t applied_index, const std::string& hash)
{
    NodeStatus status;
    status.id = id;
    status.role = role;
    status.term = term;
    status.commit_index = applied_index;
    status.applied_index = applied_index;
    status.last_index = applied_index;
    status.state_hash = hash;
    return status;
}

LogEntry normal(std::uint64_t index, const std::string& command)
{
    return LogEntry{index, 2, "normal", command};
}

} // namespace

TEST_CASE("checkers catch two leaders in a term and diverging state", "[integration][checks]")
{
    // Goal: ClusterObserver reports each violation it exists for, and nothing
    // on a legal history. Method: hand-made /status samples.
    ClusterObserver legal;
    legal.observe(sample(1, "leader", 2, 5, "aa"));
    legal.observe(sample(2, "follower", 2, 5, "aa"));
    legal.observe(sample(2, "leader", 3, 6, "bb"));
    legal.restarted(1);
    legal.observe(sample(1, "follower", 3, 4, "cc"));
    CHECK(legal.violations().empty());

    ClusterObserver two_leaders;
    two_leaders.observe(sample(1, "leader", 2, 5, "aa"));
    two_leaders.observe(sample(2, "leader", 2, 5, "aa"));
    CHECK(two_leaders.violations().size() == 1);

    ClusterObserver diverged;
    diverged.observe(sample(1, "follower", 2, 5, "aa"));
    diverged.observe(sample(2, "follower", 2, 5, "ab"));
    CHECK(diverged.violations().size() == 1);

    ClusterObserver term_back;
    term_back.observe(sample(1, "follower", 3, 5, "aa"));
    term_back.restarted(1);
    term_back.observe(sample(1, "follower", 2, 5, "aa"));
    CHECK(term_back.violations().size() == 1);

    ClusterObserver applied_ahead;
    NodeStatus broken = sample(1, "follower", 2, 5, "aa");
    broken.commit_index = 4;
    applied_ahead.observe(broken);
    CHECK_FALSE(applied_ahead.violations().empty());
}

TEST_CASE("convoy mirror follows the escort rules and catches a jump", "[integration][checks]")
{
    // Goal: ConvoyMirror replays steps, stale steps, moves, duplicates and
    // mission changes as src/escort/escort.cpp does, and flags a reported
    // convoy the log cannot explain. Method: a hand-made log.
    ConvoyMirror mirror;
    mirror.apply({1, 1, "conf_change", "add 1"});
    mirror.apply({2, 2, "leader_noop", "take_lead 1"});
    mirror.apply(normal(3, "step 0 0"));         // mission not running: no-op
    mirror.apply(normal(4, "mission 2 1 run"));  // target [2,1]
    mirror.apply(normal(5, "step 0 0"));         // -> [1,0]
    mirror.apply(normal(6, "step 0 0"));         // stale: lead left [0,0]
    mirror.apply(normal(7, "move 0 5 c=a s=1")); // -> [1,5]
    mirror.apply(normal(8, "move 0 5 c=a s=1")); // duplicate
    mirror.apply(normal(9, "step 1 5"));         // -> [2,5]
    mirror.apply(normal(10, "step 2 5"));        // x done: y toward 1 -> [2,4]
    CHECK(mirror.violations().empty());
    CHECK(mirror.applied_index() == 10);
    CHECK(mirror.state().lead == Point{2, 4});
    CHECK(mirror.state().steps_taken == 3);
    CHECK(mirror.state().running);
    CHECK(mirror.steps_applied() == 3);
    CHECK(mirror.steps_stale() == 2);
    CHECK(mirror.moves_applied() == 1);
    CHECK(mirror.moves_duplicate() == 1);
    CHECK(mirror.index_of_request("a", 1) == std::optional<std::uint64_t>(7));

    std::map<std::uint64_t, ConvoyState> good = {
        {5, ConvoyState{{1, 0}, {2, 1}, true, 1}},
        {7, ConvoyState{{1, 5}, {2, 1}, true, 1}},
    };
    CHECK(mirror.check_samples(good) == 2);
    CHECK(mirror.violations().empty());
    std::map<std::uint64_t, ConvoyState> jump = {{9, ConvoyState{{3, 5}, {2, 1}, true, 2}}};
    CHECK(mirror.check_samples(jump) == 1);
    CHECK(mirror.violations().size() == 1);

    ConvoyMirror gap;
    gap.apply(normal(2, "step 0 0"));
    CHECK(gap.violations().size() == 1);
}
