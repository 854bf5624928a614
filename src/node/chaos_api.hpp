#pragma once

// The node's built-in faults over HTTP (chaos/fault.hpp):
//
//   GET  /chaos   200 {"id", "faults": [...]}: what is in force, each with
//                 its description, since_ms and remaining_ms
//   POST /chaos   a fault's JSON form, e.g. {"kind": "delay", "delay_ms": 80,
//                 "for_ms": 30000}, or {"kind": "heal"} to clear them all;
//                 200 {"id", "faults"} once the node's loop has done it
//
// POST /chaos changes the cluster: it takes the admin or the cluster token,
// like /mission (node_auth.hpp). A fault never stops this route or GET
// /status from answering, so a paused or isolated node can always be healed
// and watched.

#include "node/node_api.hpp"
#include "node/node_loop.hpp"

#include <raftescort/transport/http_server.hpp>

namespace raftescort::node {

void install_chaos_api(transport::HttpServer& server, NodeLoop& loop, const NodeApiOptions& options,
                       const transport::RouteOptions& change);

} // namespace raftescort::node
