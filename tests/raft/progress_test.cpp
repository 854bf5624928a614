// Unit tests of the leader's per-follower flow control (Progress) and of the
// set of them kept in step with the membership (ProgressTracker).

#include <raftescort/raft/progress.hpp>
#include <raftescort/raft/progress_tracker.hpp>

#include <catch2/catch.hpp>

using namespace raftescort::raft;

namespace {

constexpr std::uint32_t k_window = 3;

ConfState conf_of(std::initializer_list<std::uint64_t> voters,
                  std::initializer_list<std::uint64_t> learners = {})
{
    ConfState conf;
    for (std::uint64_t voter : voters) {
        conf.voters.insert(NodeId{voter});
    }
    for (std::uint64_t learner : learners) {
        conf.learners.insert(NodeId{learner});
    }
    return conf;
}

} // namespace

TEST_CASE("a new follower is probed one append at a time", "[raft][progress]")
{
    // Goal: probe sends one append and waits; a lost answer frees the next.
    Progress progress = Progress::starting_at(Index{11});
    REQUIRE(progress.state == Progress::State::probe);
    REQUIRE(progress.next_index == Index{11});
    REQUIRE(progress.match_index == Index{0});
    REQUIRE(progress.recent_active);
    REQUIRE_FALSE(progress.paused(k_window));

    progress.sent_append(Index{12});
    REQUIRE(progress.paused(k_window));
    // A probe does not move next_index: a refusal will tell where to go.
    REQUIRE(progress.next_index == Index{11});

    progress.probe_again();
    REQUIRE_FALSE(progress.paused(k_window));
}

TEST_CASE("an acknowledged probe turns into replication", "[raft][progress]")
{
    Progress progress = Progress::starting_at(Index{11});
    progress.sent_append(Index{12});
    REQUIRE(progress.acknowledge(Index{12}));
    REQUIRE(progress.state == Progress::State::replicate);
    REQUIRE(progress.match_index == Index{12});
    REQUIRE(progress.next_index == Index{13});
    REQUIRE(progress.inflight.empty());
}

TEST_CASE("replication streams appends up to the inflight window", "[raft][progress]")
{
    // Goal: each append advances next_index at once and takes a slot; the
    // window closes at k_window, and an answer frees every slot it covers.
    Progress progress = Progress::starting_at(Index{1});
    progress.acknowledge(Index{0});
    REQUIRE(progress.state == Progress::State::replicate);

    progress.sent_append(Index{3});
    progress.sent_append(Index{5});
    REQUIRE(progress.next_index == Index{6});
    REQUIRE_FALSE(progress.paused(k_window));
    progress.sent_append(Index{8});
    REQUIRE(progress.paused(k_window));
    REQUIRE(progress.inflight.size() == 3);

    REQUIRE(progress.acknowledge(Index{5}));
    REQUIRE(progress.inflight.size() == 1);
    REQUIRE(progress.inflight.front() == Index{8});
    REQUIRE_FALSE(progress.paused(k_window));
    REQUIRE(progress.next_index == Index{9});

    // A heartbeat carries no entries: no slot, no move.
    progress.sent_append(std::nullopt);
    REQUIRE(progress.inflight.size() == 1);
    REQUIRE(progress.next_index == Index{9});

    progress.free_oldest_inflight();
    REQUIRE(progress.inflight.empty());
    progress.free_oldest_inflight();
    REQUIRE(progress.inflight.empty());
}

TEST_CASE("a stale acknowledgement never moves a follower back", "[raft][progress]")
{
    Progress progress = Progress::starting_at(Index{1});
    progress.acknowledge(Index{9});
    REQUIRE_FALSE(progress.acknowledge(Index{4}));
    REQUIRE(progress.match_index == Index{9});
    REQUIRE(progress.next_index == Index{10});
}

TEST_CASE("a refused append sends replication back to probing", "[raft][progress]")
{
    Progress progress = Progress::starting_at(Index{1});
    progress.acknowledge(Index{4});
    progress.sent_append(Index{6});
    progress.become_probe(Index{3});
    REQUIRE(progress.state == Progress::State::probe);
    REQUIRE(progress.next_index == Index{3});
    REQUIRE(progress.inflight.empty());
    REQUIRE_FALSE(progress.paused(k_window));
}

TEST_CASE("a snapshot transfer pauses appends until the follower holds it", "[raft][progress]")
{
    // Goal: while a snapshot goes out no append does; an acknowledgement
    // short of the snapshot keeps it going, one that reaches it ends it.
    Progress progress = Progress::starting_at(Index{1});
    progress.become_snapshot(Index{50});
    REQUIRE(progress.state == Progress::State::snapshot);
    REQUIRE(progress.snapshot_index == Index{50});
    REQUIRE(progress.snapshot_offset == 0);
    REQUIRE(progress.paused(k_window));

    progress.acknowledge(Index{20});
    REQUIRE(progress.state == Progress::State::snapshot);
    REQUIRE(progress.paused(k_window));

    progress.acknowledge(Index{50});
    REQUIRE(progress.state == Progress::State::replicate);
    REQUIRE(progress.next_index == Index{51});
    REQUIRE_FALSE(progress.paused(k_window));
}

TEST_CASE("ticks age contact and progress until the follower answers", "[raft][progress]")
{
    Progress progress = Progress::starting_at(Index{1});
    progress.recent_active = false;
    progress.tick();
    progress.tick();
    REQUIRE(progress.ticks_since_contact == 2);
    REQUIRE(progress.ticks_since_progress == 2);
    progress.heard_from();
    REQUIRE(progress.recent_active);
    REQUIRE(progress.ticks_since_contact == 0);
    REQUIRE(progress.ticks_since_progress == 2);
    progress.acknowledge(Index{1});
    REQUIRE(progress.ticks_since_progress == 0);
}

TEST_CASE("state names are the ones the status route shows", "[raft][progress]")
{
    REQUIRE(std::string(progress_state_name(Progress::State::probe)) == "probe");
    REQUIRE(std::string(progress_state_name(Progress::State::replicate)) == "replicate");
    REQUIRE(std::string(progress_state_name(Progress::State::snapshot)) == "snapshot");
}

TEST_CASE("the tracker follows the membership", "[raft][progress]")
{
    // Goal: a new leader probes every member from its last index + 1; a
    // change keeps what it knows of members that stay, adds the new ones and
    // forgets those that left; a promoted learner becomes a voter.
    ProgressTracker tracker;
    tracker.reset(conf_of({1, 2, 3}, {4}), Index{10});
    REQUIRE(tracker.all().size() == 4);
    REQUIRE(tracker.at(NodeId{2}).next_index == Index{11});
    REQUIRE(tracker.at(NodeId{4}).learner);
    REQUIRE_FALSE(tracker.at(NodeId{1}).learner);

    tracker.at(NodeId{2}).acknowledge(Index{10});
    tracker.follow(conf_of({1, 2, 4}, {5}), Index{12});
    REQUIRE_FALSE(tracker.contains(NodeId{3}));
    REQUIRE(tracker.at(NodeId{2}).match_index == Index{10});
    REQUIRE_FALSE(tracker.at(NodeId{4}).learner);
    REQUIRE(tracker.at(NodeId{5}).learner);
    REQUIRE(tracker.at(NodeId{5}).next_index == Index{13});

    tracker.reset(conf_of({1}), Index{12});
    REQUIRE(tracker.all().size() == 1);
    REQUIRE(tracker.at(NodeId{1}).match_index == Index{0});
}

TEST_CASE("the tracker's quorum match counts voters only", "[raft][progress]")
{
    // Goal: a learner far ahead does not commit anything, and a voter the
    // tracker has no progress for holds nothing.
    ProgressTracker tracker;
    tracker.reset(conf_of({1, 2, 3}, {4}), Index{0});
    tracker.at(NodeId{1}).acknowledge(Index{9});
    tracker.at(NodeId{4}).acknowledge(Index{9});
    REQUIRE(tracker.quorum_match({NodeId{1}, NodeId{2}, NodeId{3}}) == Index{0});
    tracker.at(NodeId{3}).acknowledge(Index{7});
    REQUIRE(tracker.quorum_match({NodeId{1}, NodeId{2}, NodeId{3}}) == Index{7});
    REQUIRE(tracker.quorum_match({NodeId{1}, NodeId{3}, NodeId{8}}) == Index{7});
    REQUIRE(tracker.quorum_match({NodeId{1}, NodeId{8}, NodeId{9}}) == Index{0});
}

TEST_CASE("check-quorum rounds count who was heard from, then start afresh", "[raft][progress]")
{
    ProgressTracker tracker;
    auto conf = conf_of({1, 2, 3, 4, 5});
    tracker.reset(conf, Index{0});
    // Members start as heard from: the first round gives them time.
    REQUIRE(tracker.quorum_active_round(conf.voters, NodeId{1}));
    // Nobody answered since: only the leader itself counts.
    REQUIRE_FALSE(tracker.quorum_active_round(conf.voters, NodeId{1}));
    tracker.at(NodeId{2}).heard_from();
    tracker.at(NodeId{5}).heard_from();
    REQUIRE(tracker.quorum_active_round(conf.voters, NodeId{1}));
    tracker.at(NodeId{2}).heard_from();
    REQUIRE_FALSE(tracker.quorum_active_round(conf.voters, NodeId{1}));
}

TEST_CASE("a tracker tick ages every member", "[raft][progress]")
{
    ProgressTracker tracker;
    tracker.reset(conf_of({1, 2}), Index{0});
    tracker.tick();
    REQUIRE(tracker.at(NodeId{1}).ticks_since_contact == 1);
    REQUIRE(tracker.at(NodeId{2}).ticks_since_contact == 1);
}
