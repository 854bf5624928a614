#pragma once

// ProgressTracker: the leader's Progress for every member, itself included,
// kept in step with the membership.

#include <raftescort/raft/progress.hpp>
#include <raftescort/raft/types.hpp>

#include <map>
#include <set>

namespace raftescort::raft {

class ProgressTracker {
public:
    using Map = std::map<NodeId, Progress>;

    /// A new leader's view: every member of `conf` probed from `last + 1`.
    void reset(const ConfState& conf, Index last);
    /// Follows a membership change: members that left are forgotten, new
    /// ones are probed from `last + 1`, and each is marked learner or voter.
    void follow(const ConfState& conf, Index last);
    void clear() { m_progress.clear(); }
    bool empty() const { return m_progress.empty(); }

    /// The member's progress; it must be a member.
    Progress& at(NodeId id);
    const Progress& at(NodeId id) const;
    bool contains(NodeId id) const { return m_progress.count(id) > 0; }
    const Map& all() const { return m_progress; }
    Map& all() { return m_progress; }

    /// The highest index that a majority of `voters` hold (a voter with no
    /// progress holds nothing).
    Index quorum_match(const std::set<NodeId>& voters) const;
    /// Whether a majority of `voters` were heard from since the last round
    /// (`self` always counts), then starts a new round (§6.2 check-quorum).
    bool quorum_active_round(const std::set<NodeId>& voters, NodeId self);
    /// Starts a new check-quorum round without judging the one before:
    /// every member but `self` counts as silent until heard from again.
    void restart_activity_round(NodeId self);
    /// One tick of the leader's clock for every member.
    void tick();

private:
    Map m_progress;
};

} // namespace raftescort::raft
