#include "node/node_auth.hpp"

#include "node/node_json.hpp"

#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/secret.hpp>
#include <raftescort/util/assert.hpp>

namespace raftescort::node {

namespace {

constexpr int k_unauthorized = 401;
constexpr int k_forbidden = 403;

/// What a client without credentials must send, for the 401's message.
std::string how_to_authenticate(const httplib::Request& request, const NodeCredentials& credentials)
{
    std::string text = request.method + " " + request.path.substr(0, 80)
                       + " changes the cluster and needs a credential: ";
    if (credentials.admin_token.empty()) {
        text += "this node has no admin token (--admin-token), so send the cluster token in "
                "the X-Raftescort-Token header, or go through the proxy";
    } else {
        text += "send 'Authorization: Bearer TOKEN' with the admin token (the node's "
                "--admin-token), or the cluster token in the X-Raftescort-Token header";
    }
    return text + "; ctl, through the proxy, reads the admin token from RAFTESCORT_ADMIN_TOKEN";
}

} // namespace

bool admit_change(const httplib::Request& request, httplib::Response& response,
                  const NodeCredentials& credentials)
{
    RE_ASSERT(!credentials.cluster_token.empty());
    const bool has_authorization = request.has_header("Authorization");
    const bool has_cluster_token = request.has_header(transport::k_token_header);
    if (has_authorization && !credentials.admin_token.empty()) {
        // Kept alive here: the token is a view into it.
        const std::string authorization = request.get_header_value("Authorization");
        const std::optional<std::string_view> bearer = transport::bearer_token(authorization);
        if (bearer && transport::secrets_equal(credentials.admin_token, *bearer)) {
            return true;
        }
    }
    if (has_cluster_token
        && transport::secrets_equal(credentials.cluster_token,
                                    request.get_header_value(transport::k_token_header))) {
        return true;
    }
    response.set_header("WWW-Authenticate", "Bearer realm=\"raftescort\"");
    if (!has_authorization && !has_cluster_token) {
        reply_error(response, k_unauthorized, how_to_authenticate(request, credentials));
    } else {
        reply_error(response, k_unauthorized, "wrong admin token or cluster token");
    }
    return false;
}

bool admit_member(const httplib::Request& request, httplib::Response& response,
                  const NodeCredentials& credentials)
{
    RE_ASSERT(!credentials.cluster_token.empty());
    const bool present = request.has_header(transport::k_token_header);
    if (present
        && transport::secrets_equal(credentials.cluster_token,
                                    request.get_header_value(transport::k_token_header))) {
        return true;
    }
    reply_error(response, k_forbidden,
                present
                    ? "wrong cluster token"
                    : "missing cluster token: a node joins with its cluster's token (an operator "
                      "adds a member with POST /members/add)");
    return false;
}

} // namespace raftescort::node
