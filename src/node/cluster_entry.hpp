#pragma once

// How a node with no log enters a cluster (issue #4; man/raftescort-node.1,
// "How a node enters a cluster"):
//
// 1. Without --id, it takes a fresh id from Redis (never one used before).
// 2. It claims the cluster in Redis. The first claimer of an empty cluster,
//    if no leader was ever recorded, founds it as a one-node cluster.
//    The founder publishes the cluster token in Redis (cluster_token.hpp)
//    unless it was given one.
// 3. Everyone else learns the token (given, or from Redis) and asks the
//    leader (found through Redis) to add it as a
//    learner, and opens its storage only once the leader said yes: until
//    then it has no data dir, so it cannot vote or acknowledge anything.
//    A leader refuses a voter that asks again: such a node lost its log.
//
// A node that has a data dir never comes here: it restarts as itself.

#include "node/signal_wait.hpp"

#include <raftescort/node/node.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/registry/registry.hpp>
#include <raftescort/util/result.hpp>

#include <string>

namespace raftescort::node {

struct ClusterEntry {
    raft::NodeId id;
    /// True: found a new cluster with this node as its only voter.
    bool found_cluster = false;
    /// The cluster token, already stored in the data dir (cluster_token.hpp).
    std::string cluster_token;
};

/// Waits (with progress on the log) until the node may open its storage.
/// `cluster_token` is the token the node already has (given or stored), or
/// empty: the founder then generates one, a joiner waits for it in Redis.
/// Fails when the cluster refuses the node, or when a stop signal arrives.
util::Result<ClusterEntry> enter_cluster(const NodeSettings& settings, registry::Registry& registry,
                                         SignalWait& signals, std::string cluster_token);

/// For a node that has a data dir but no cluster token (its data dir
/// predates the token): waits until Redis has one, publishing a fresh one if
/// nobody did. Fails only on a stop signal.
util::Result<std::string> learn_cluster_token(const NodeSettings& settings,
                                              registry::Registry& registry, SignalWait& signals);

} // namespace raftescort::node
