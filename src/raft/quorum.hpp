#pragma once

// The majority rules of Raft as pure functions: who wins a vote, which index
// is committed, whether a leader still hears a majority. Only voters count;
// learners and strangers never do.

#include <raftescort/raft/types.hpp>

#include <cstddef>
#include <map>
#include <set>
#include <vector>

namespace raftescort::raft::quorum {

/// How many of `voters` make a majority (1 when there are none, so that an
/// empty configuration never reaches one).
std::size_t majority(std::size_t voters);

/// The highest index held by a majority, given every voter's match index.
/// Index 0 when there are no voters.
Index majority_index(std::vector<Index> matches);

enum class VoteResult { pending, won, lost };

/// A vote's outcome from the answers so far (true: granted): won once a
/// majority granted, lost once the refusals leave too few voters to make one.
/// Answers from nodes that are not in `voters` count for nothing.
VoteResult tally(const std::set<NodeId>& voters, const std::map<NodeId, bool>& votes);

/// Whether the voters among `nodes` make a majority of `voters`.
bool has_majority(const std::set<NodeId>& voters, const std::set<NodeId>& nodes);

} // namespace raftescort::raft::quorum
