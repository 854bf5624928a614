#pragma once

// Deliberate bugs, each breaking one rule of the Raft paper, for proving
// that the simulator catches them. Config carries them only in the build of
// the core that defines RAFTESCORT_MUTANTS (the simulator's); the shipped
// binary has none of them.

namespace raftescort::raft {

struct Mutations {
    /// (a) Grant votes without the §5.4.1 "log at least as up to date" check.
    bool vote_without_log_check = false;
    /// (b) Commit an entry of an earlier term by counting replicas (§5.4.2, Figure 8).
    bool commit_old_term_by_count = false;
    /// (e) A leader ignores messages carrying a higher term (§5.1).
    bool leader_ignores_higher_term = false;
    /// (f) A follower hands entries to the application before they are committed.
    bool apply_before_commit = false;
};

} // namespace raftescort::raft
