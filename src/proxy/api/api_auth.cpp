#include "proxy/api/api_auth.hpp"

#include "proxy/api/api_envelope.hpp"

#include <raftescort/transport/secret.hpp>
#include <raftescort/util/assert.hpp>

namespace raftescort::proxy {

namespace {

constexpr int k_unauthorized = 401;
constexpr int k_unavailable = 503;

void refuse_unauthorized(httplib::Response& response, const std::string& message)
{
    response.set_header("WWW-Authenticate", "Bearer realm=\"raftescort\"");
    reply_error(response, k_unauthorized, message);
}

} // namespace

bool admit_admin(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    const std::string& admin_token = context.settings.admin_token;
    // The proxy makes one at start when none is configured.
    RE_ASSERT(!admin_token.empty());
    // Kept alive here: the token is a view into it.
    const std::string authorization = request.get_header_value("Authorization");
    const std::optional<std::string_view> bearer = transport::bearer_token(authorization);
    if (!bearer) {
        refuse_unauthorized(
            response, request.method + " " + request.path.substr(0, 80)
                          + " changes the cluster and needs the admin token: send "
                            "'Authorization: Bearer TOKEN'; ctl reads RAFTESCORT_ADMIN_TOKEN; a "
                            "proxy started without --admin-token prints the one it generated in "
                            "its log");
        return false;
    }
    if (!transport::secrets_equal(admin_token, *bearer)) {
        refuse_unauthorized(response, "wrong admin token");
        return false;
    }
    return true;
}

bool admit_change(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    if (!admit_admin(context, request, response)) {
        return false;
    }
    if (context.pool.cluster_token().empty()) {
        reply_error(response, k_unavailable,
                    "the proxy has not learned the cluster token from Redis yet; retry");
        return false;
    }
    return true;
}

} // namespace raftescort::proxy
