#pragma once

// Waits and checks that several lessons share: a cluster at rest, a new
// leader, a node's log reaching an index.

#include "ctl/lesson/lesson_run.hpp"

#include <cstdint>
#include <string>

namespace raftescort::ctl::lesson {

/// How long a lesson waits for the cluster to get somewhere Raft gets
/// within a few election timeouts (times the run's patience).
inline constexpr Milliseconds k_settle_wait{15000};

std::size_t majority_of(std::size_t voters);

/// What a probe of wait_for() returns while the cluster is not there yet.
util::Error not_yet(const std::string& what);

/// A leader whose every voter is running and follows it in its term.
util::Result<NodeState> steady_leader(LessonRun& run);

/// A leader in a term above `above_term` that is not node `other_than`
/// (0: any node), followed by a majority of its voters.
util::Result<NodeState> new_leader(LessonRun& run, std::uint64_t above_term,
                                   std::uint64_t other_than);

/// The running voter with the lowest id other than `leader`'s.
util::Result<NodeState> some_follower(LessonRun& run, const NodeState& leader);

/// Waits until node `id` holds entry `index` of term `term` and has
/// committed it.
util::Status wait_committed_on(LessonRun& run, std::uint64_t id, std::uint64_t index,
                               std::uint64_t term);

/// "[12, 0]".
std::string point_text(const nlohmann::json& point);

} // namespace raftescort::ctl::lesson
