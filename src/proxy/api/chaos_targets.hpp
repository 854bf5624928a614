#pragma once

// Which nodes a fault sent to the proxy's POST /chaos lands on. A target is
// a list of node ids, one id, or a role resolved at the moment the proxy
// acts, from its view of the cluster:
//
//   all        every node the proxy knows
//   leader     the leader (refused while there is none)
//   followers  every node but the leader
//   minority   the leader and as many other nodes as keep it a minority (1
//              of 3, 2 of 5): cut off, the leader loses its quorum
//   majority   every node the minority leaves out
//
// A partition sent without "peers" cuts its targets off from every other
// node (complement()).

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace raftescort::proxy {

struct ChaosMembers {
    /// Every node the proxy knows, reachable or not, ascending.
    std::vector<std::uint64_t> ids;
    /// 0 while there is none.
    std::uint64_t leader = 0;
};

/// The ids `target` names, ascending; refused (invalid_argument) when the
/// target is not one of the forms above, names an unknown node, or names
/// a role that no node has now.
util::Result<std::vector<std::uint64_t>> resolve_chaos_target(const nlohmann::json& target,
                                                              const ChaosMembers& members);

/// The members that are not in `chosen`, ascending.
std::vector<std::uint64_t> complement(const std::vector<std::uint64_t>& chosen,
                                      const ChaosMembers& members);

} // namespace raftescort::proxy
