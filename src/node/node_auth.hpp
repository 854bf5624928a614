#pragma once

// Who may do what through a node's own API (node_api.hpp).
//
//   - Reads (/health, /status, /position, /logs) and moves (/move) are open,
//     as on the proxy.
//   - Routes that change the cluster (/mission, /members/add,
//     /members/remove, /transfer-leader, POST /chaos) take either the admin token, as
//     "Authorization: Bearer TOKEN" (when the node was given one), or the
//     cluster token in the X-Raftescort-Token header (the proxy, a cluster
//     component, sends that one). Whoever holds the cluster token can already
//     send Raft messages, and so vote and replicate as a member: accepting it
//     here grants nothing new.
//   - /join (a node adding itself as a learner) takes the cluster token only.
//
// Every comparison is constant time (transport/secret.hpp). Each check
// answers the request itself when it refuses, so a handler reads as a list
// of steps; the checks look only at the request's head, never its body.

#include <httplib.h>

#include <string>

namespace raftescort::node {

struct NodeCredentials {
    /// Never empty: every node runs with a cluster token.
    std::string cluster_token;
    /// Empty when the node has none (then only the cluster token admits).
    std::string admin_token;
};

/// For a route that changes the cluster: true when the request carries the
/// admin token or the cluster token; otherwise answers 401 (with
/// WWW-Authenticate) saying what to send, and returns false.
bool admit_change(const httplib::Request& request, httplib::Response& response,
                  const NodeCredentials& credentials);

/// For /join: true when the request carries the cluster token; otherwise
/// answers 403 and returns false.
bool admit_member(const httplib::Request& request, httplib::Response& response,
                  const NodeCredentials& credentials);

} // namespace raftescort::node
