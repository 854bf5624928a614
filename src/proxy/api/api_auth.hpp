#pragma once

// Who may change the cluster through the proxy (proxy.hpp, "Who may do
// what"). Reads and moves are open; the routes that change the cluster need
// the admin token as "Authorization: Bearer TOKEN". Each check answers the
// request in the envelope when it refuses, and looks only at the request's
// head, never its body.

#include "proxy/api/api_context.hpp"

#include <httplib.h>

namespace raftescort::proxy {

/// For a route that changes the cluster: true when the request carries the
/// admin token (compared in constant time) and the proxy knows the cluster
/// token it must forward with. Otherwise answers 401 (no token, or a wrong
/// one, with WWW-Authenticate) or 503 (cluster token not learned yet) and
/// returns false.
bool admit_change(ApiContext& context, const httplib::Request& request,
                  httplib::Response& response);

/// For a route that changes the proxy itself (recording), which forwards
/// nothing to the nodes: true when the request carries the admin token;
/// otherwise answers 401 and returns false.
bool admit_admin(ApiContext& context, const httplib::Request& request,
                 httplib::Response& response);

} // namespace raftescort::proxy
