#include "ctl/lesson/lessons.hpp"

#include <array>

namespace raftescort::ctl::lesson {

namespace {

// Each lesson takes out at most one node at a time (or all at once, and
// brings them back), so three voters keep a majority; five show more.
constexpr std::array k_lessons{
    LessonDefinition{"leader-election", "Leader election",
                     "All nodes restart at once; a candidate wins a majority of votes in a new "
                     "term and its heartbeats keep it leader",
                     5, 3, run_leader_election},
    LessonDefinition{"log-replication", "Log replication",
                     "A move becomes a log entry, reaches every follower and is committed by a "
                     "majority; a cut-off follower's log is repaired",
                     5, 3, run_log_replication},
    LessonDefinition{"leader-crash", "Leader crash and a new leader",
                     "The leader crashes; a follower with every committed entry takes over and "
                     "the convoy goes on from the same point",
                     4, 3, run_leader_crash},
    LessonDefinition{"split-vote", "Split vote",
                     "Slow messages and a crashed leader make every follower campaign at once; "
                     "no one wins until the randomized timeouts can work again",
                     5, 3, run_split_vote},
    LessonDefinition{"minority-leader", "A cut-off leader's entries are discarded",
                     "A leader cut off from the majority appends a move it cannot commit; after "
                     "the heal its entry is replaced by the new leader's",
                     5, 3, run_minority_leader},
    LessonDefinition{"pre-vote", "Pre-vote and check-quorum",
                     "A flapping follower cannot disturb the leader with pre-vote and "
                     "check-quorum on; with them off its terms climb and it deposes the leader",
                     5, 3, run_pre_vote},
    LessonDefinition{"membership", "Removing and adding a member",
                     "A follower is removed, the cluster commits with fewer voters, and the node "
                     "comes back as a learner that is promoted once caught up",
                     5, 3, run_membership},
    LessonDefinition{"snapshot", "A snapshot for a lagging follower",
                     "While a follower is down the leader compacts its log; the follower comes "
                     "back and is sent a snapshot instead of the entries",
                     4, 3, run_snapshot},
};

} // namespace

std::span<const LessonDefinition> all_lessons() { return k_lessons; }

const LessonDefinition* find_lesson(const std::string& name)
{
    for (const LessonDefinition& lesson : k_lessons) {
        if (name == lesson.name) {
            return &lesson;
        }
    }
    return nullptr;
}

} // namespace raftescort::ctl::lesson
