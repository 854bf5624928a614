#pragma once

// The guided lessons `ctl lesson list` shows and `ctl lesson run NAME` runs.
// Each is a scenario on the live cluster, told step by step, whose checks
// make it a test as well: it passes only if Raft did what the lesson says.
//
//   lessons_election.cpp     leader-election, leader-crash, split-vote
//   lessons_pre_vote.cpp     pre-vote
//   lessons_replication.cpp  log-replication, minority-leader, snapshot
//   lessons_membership.cpp   membership

#include "ctl/lesson/lesson_run.hpp"

#include <raftescort/util/result.hpp>

#include <cstddef>
#include <span>

namespace raftescort::ctl::lesson {

struct LessonDefinition {
    const char* name;
    const char* title;
    /// One sentence for the list.
    const char* summary;
    /// How many steps it announces.
    int steps;
    /// Voters it needs at the start (a majority must survive its faults).
    std::size_t voters_min;
    util::Status (*run)(LessonRun& run);
};

/// Every lesson, in the order they are best taken.
std::span<const LessonDefinition> all_lessons();
/// The lesson called `name`, or nullptr.
const LessonDefinition* find_lesson(const std::string& name);

util::Status run_leader_election(LessonRun& run);
util::Status run_leader_crash(LessonRun& run);
util::Status run_split_vote(LessonRun& run);
util::Status run_pre_vote(LessonRun& run);
util::Status run_log_replication(LessonRun& run);
util::Status run_minority_leader(LessonRun& run);
util::Status run_snapshot(LessonRun& run);
util::Status run_membership(LessonRun& run);

} // namespace raftescort::ctl::lesson
