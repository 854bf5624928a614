#include <raftescort/raft/progress_tracker.hpp>

#include "raft/quorum.hpp"

#include <raftescort/util/assert.hpp>

#include <iterator>
#include <vector>

namespace raftescort::raft {

void ProgressTracker::reset(const ConfState& conf, Index last)
{
    m_progress.clear();
    follow(conf, last);
}

void ProgressTracker::follow(const ConfState& conf, Index last)
{
    for (auto it = m_progress.begin(); it != m_progress.end();) {
        it = conf.contains(it->first) ? std::next(it) : m_progress.erase(it);
    }
    auto add = [&](NodeId member, bool learner) {
        auto [it, added] = m_progress.try_emplace(member);
        if (added) {
            it->second = Progress::starting_at(next(last));
        }
        it->second.learner = learner;
    };
    for (NodeId voter : conf.voters) {
        add(voter, false);
    }
    for (NodeId learner : conf.learners) {
        add(learner, true);
    }
}

Progress& ProgressTracker::at(NodeId id)
{
    auto found = m_progress.find(id);
    RE_ASSERT(found != m_progress.end());
    return found->second;
}

const Progress& ProgressTracker::at(NodeId id) const
{
    auto found = m_progress.find(id);
    RE_ASSERT(found != m_progress.end());
    return found->second;
}

Index ProgressTracker::quorum_match(const std::set<NodeId>& voters) const
{
    std::vector<Index> matches;
    matches.reserve(voters.size());
    for (NodeId voter : voters) {
        auto found = m_progress.find(voter);
        matches.push_back(found == m_progress.end() ? Index{0} : found->second.match_index);
    }
    return quorum::majority_index(std::move(matches));
}

bool ProgressTracker::quorum_active_round(const std::set<NodeId>& voters, NodeId self)
{
    std::set<NodeId> active;
    for (auto& [member, progress] : m_progress) {
        if (member == self || progress.recent_active) {
            active.insert(member);
        }
        progress.recent_active = member == self;
    }
    return quorum::has_majority(voters, active);
}

void ProgressTracker::restart_activity_round(NodeId self)
{
    for (auto& [member, progress] : m_progress) {
        progress.recent_active = member == self;
    }
}

void ProgressTracker::tick()
{
    for (auto& [member, progress] : m_progress) {
        progress.tick();
    }
}

} // namespace raftescort::raft
