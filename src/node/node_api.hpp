#pragma once

// The node's own HTTP API (the proxy and the tests use it; people use the
// proxy). Contract:
//
//   GET  /health                 200 {"ok": true}
//   GET  /status                 id, name, role, term, leader, commit/applied
//                                index, position, lead, mission, members, peers
//                                (with match index and last contact) and more;
//                                "interface_ips": ["172.18.0.5", ...], the
//                                addresses of this machine's interfaces that
//                                are up (loopback and IPv6 link-local left
//                                out unless there is nothing else; at most
//                                16), so the proxy's ?ip= finds a node by its
//                                container IP when its name is a hostname
//   GET  /position               {"id", "name", "role", "position", "lead", "applied_index"}
//   GET  /logs?from=N&limit=M    applied entries this node still remembers
//   POST /move     {"dx", "dy", "client_id"?, "sequence"?, "term"?}
//   POST /mission  {"action": "start"|"pause"|"set", "x"?, "y"?, "term"?}
//                  "term" is a fencing token: the entry is proposed only by a
//                  leader of exactly that term; any other node answers 421
//                  with the current leader and term.
//   POST /join     {"id", "address"}  (a node adds itself as a learner;
//                                      needs the cluster token, else 403)
//   POST /members/add {"id", "address"} (an operator adds a learner)
//   POST /members/remove {"id"}        200 {"term", "index"} once committed
//   POST /transfer-leader {"to"?}      200 {"from", "to", "to_name", "term"} once
//                                      another node leads (`to` omitted: the
//                                      most caught-up voter)
//   GET  /chaos, POST /chaos           the built-in faults (chaos_api.hpp)
//
// /mission, /members/add, /members/remove, /transfer-leader and POST /chaos
// change the cluster: they need the admin token or the cluster token, else 401
// (node_auth.hpp). Every POST must be sent as application/json, else 415.
//
// Requests that need the leader answer 421 {"error", "leader", "leader_name"}
// on a follower; 503 when the entry cannot be committed in time (no quorum;
// the outcome is then unknown and a retry with the same client_id and
// sequence is applied at most once); 400 for bad input; 200 only after the
// entry is committed and applied.

#include "node/node_loop.hpp"

#include <raftescort/transport/http_server.hpp>

#include <httplib.h>

#include <cstdint>
#include <string>

namespace raftescort::node {

struct NodeApiOptions {
    /// How long a request waits for its entry to be applied before 503.
    std::int64_t commit_timeout_ms = 3000;
    /// Required on /join, and admits the routes that change the cluster;
    /// never empty.
    std::string cluster_token;
    /// Also admits the routes that change the cluster, as a Bearer token;
    /// may be empty.
    std::string admin_token;
    /// Largest request body the API endpoints read.
    std::size_t body_bytes_max = 16 * 1024;
};

void install_node_api(transport::HttpServer& server, NodeLoop& loop, const NodeApiOptions& options);

} // namespace raftescort::node
