// GET / and /status: the dashboard for browsers, and the proxy's own status
// with the endpoints, in the shape of the original project's answer.

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/dashboard/dashboard_page.hpp"

#include <raftescort/transport/interface_ips.hpp>

#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// GET /status's "note": what this API is, as the original's note said of its own.
constexpr const char* k_status_note =
    "The external API of a raftescort cluster: node state comes from polling each node, "
    "elections and leaders from the Redis record, and moves go to the leader";

/// The original's "internal_ip" was its container's IP. The proxy's: the
/// address it listens on when that is one IP, else the first address of its
/// machine's interfaces (the container IP under docker compose).
std::string proxy_internal_ip(const std::string& listen_host)
{
    const bool wildcard = listen_host.empty() || listen_host == "0.0.0.0" || listen_host == "::";
    unsigned char parsed[sizeof(in6_addr)];
    const bool literal = ::inet_pton(AF_INET, listen_host.c_str(), parsed) == 1
                         || ::inet_pton(AF_INET6, listen_host.c_str(), parsed) == 1;
    if (!wildcard && literal) {
        return listen_host;
    }
    const std::vector<std::string> addresses = transport::interface_ips();
    return addresses.empty() ? std::string() : addresses.front();
}

json status_data(ApiContext& context, const ClusterSnapshot& snapshot)
{
    const NodeView* leader = snapshot.leader_view();
    return json{{"version", k_proxy_version},
                {"cluster", context.settings.cluster_id},
                {"redis_connected", context.registry.connected()},
                {"leader", snapshot.leader},
                {"leader_name", leader == nullptr ? std::string() : leader->name},
                {"term", snapshot.term},
                {"nodes", snapshot.nodes.size()},
                {"reachable", snapshot.reachable_count()}};
}

/// The original project's answer to GET /status put these beside the
/// endpoints: the API's own address and port, and a note on what it is.
json status_message(ApiContext& context, const httplib::Request& request)
{
    return json{{"internal_ip", proxy_internal_ip(context.settings.listen_host)},
                // A string of digits, as the original read it from its environment.
                {"port", std::to_string(request.local_port)},
                {"note", k_status_note},
                {"endpoints", endpoints_json()}};
}

void reply_status(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    reply_envelope(response, 200, status_data(context, *context.view.snapshot()),
                   status_message(context, request));
}

/// Browsers (which ask for text/html) get the dashboard. Everyone else gets
/// the original project's answer, a 302 to /status, except a client that
/// asks for JSON alone: it gets /status's answer at once, as it always did
/// here (the same answer it would get by following the redirect).
void handle_root(ApiContext& context, const httplib::Request& request, httplib::Response& response)
{
    const std::string accept = request.get_header_value("Accept");
    if (accept.find("text/html") != std::string::npos) {
        const std::string_view page = dashboard_page();
        response.set_content(page.data(), page.size(), "text/html; charset=utf-8");
        return;
    }
    if (accept.find("application/json") != std::string::npos) {
        reply_status(context, request, response);
        return;
    }
    response.status = 302;
    response.set_header("Location", "/status");
    response.set_content("see /status\n", "text/plain; charset=utf-8");
}

} // namespace

void install_status_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/", [&context](const httplib::Request& request, httplib::Response& response) {
        handle_root(context, request, response);
    });
    server.Get("/status", [&context](const httplib::Request& request, httplib::Response& response) {
        reply_status(context, request, response);
    });
}

} // namespace raftescort::proxy
