#pragma once

// The cluster token a node requires on Raft messages and /join, and sends on
// its own. Secure by default: a node always has one.
//
//   - Given (--cluster-token, --cluster-token-file or the environment): used,
//     and stored in the data dir.
//   - Otherwise the one stored in the data dir, if any.
//   - Otherwise Redis's (raftescort:<cluster>:cluster-token): the founder of a
//     new cluster generates one and publishes it (SET NX; the value Redis
//     holds afterwards wins), a joiner waits until it is there.
//
// The token reaches the data dir (data_dir/cluster-token, mode 0600) before
// the node serves or asks to join, so a restart needs neither the flag nor
// Redis. Every node publishes its token again on each registration refresh
// (registry_worker.hpp), so a Redis that lost its data gets it back.

#include <raftescort/node/node.hpp>
#include <raftescort/registry/registry.hpp>
#include <raftescort/util/result.hpp>

#include <optional>
#include <string>

namespace raftescort::node {

/// The token known without Redis: the given one (stored in the data dir when
/// the data dir holds another or none), else the data dir's; empty when
/// neither exists.
util::Result<std::string> local_cluster_token(const NodeSettings& settings);

/// One attempt to learn the token from Redis. With `may_generate` (a
/// founder, or a member whose data dir holds no token) a fresh token is
/// published when Redis holds none; without it, nullopt means "not published
/// yet: ask again". Errors are Redis's.
util::Result<std::optional<std::string>>
fetch_cluster_token(const NodeSettings& settings, registry::Registry& registry, bool may_generate);

/// Stores `token` in the data dir (created when missing), mode 0600.
util::Status store_cluster_token(const NodeSettings& settings, const std::string& token);

} // namespace raftescort::node
