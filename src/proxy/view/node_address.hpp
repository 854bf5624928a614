#pragma once

// Which node a client means by an address (?ip= on /nodes and /logs). The
// original project named a node by its container IP; here a node is named by
// its advertised host:port, which under docker compose is the container's
// hostname. So a node answers to any address it is known by, in this order:
//
//   1. a name: where the proxy reaches it, its own advertised name, or the
//      name the leader knows it by (host:port, exactly);
//   2. the host part of one of those names alone;
//   3. one of the addresses of its machine's interfaces (its /status
//      "interface_ips"): the container IP under docker compose.
//
// The first rule that names any node decides. When it names several nodes
// (on one machine every local node shares the interface addresses) the
// address is ambiguous and names none of them: answering with one of them
// would be a guess.

#include "proxy/view/node_view.hpp"

#include <raftescort/util/result.hpp>

#include <string>

namespace raftescort::proxy {

/// The node `address` names (surrounding blanks ignored, as the original
/// did). ErrorCode::not_found when no node answers to it,
/// ErrorCode::rejected when it names several; the message says which.
util::Result<const NodeView*> find_node_by_address(const ClusterSnapshot& snapshot,
                                                   const std::string& address);

} // namespace raftescort::proxy
