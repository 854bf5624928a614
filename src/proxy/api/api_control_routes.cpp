// Cluster control: POST /mission, /timing, /members/add, /members/remove
// and /transfer-leader, each forwarded to the leader and answered after commit.
// Each needs the admin token (api_auth.hpp), checked before the body is
// read; the proxy forwards with the cluster token, which the nodes accept.
// Membership requests are not idempotent, so they are resent only when they
// provably never reached a node.

#include "proxy/api/api_auth.hpp"
#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/view/cluster_json.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/timing_body.hpp>

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// Forwards a change that sets an absolute state (the mission, the timing)
/// to the leader, fenced by its term: sending it twice is harmless, so it is
/// retried until the deadline. Answers with the leader's reply.
void forward_absolute(ApiContext& context, httplib::Response& response, const std::string& path,
                      const json& body, const std::string& message)
{
    ForwardResult result =
        context.forwarder.forward({path, body, RetryPolicy::until_deadline, 0, true});
    context.metrics.count_forward(path, result.status);
    if (result.status != 200) {
        reply_forward_error(response, result, "");
        return;
    }
    json data = result.body.is_object() ? result.body : json::object();
    if (data.contains("positions")) {
        data["positions"] = named_positions(data["positions"], *context.view.snapshot());
    }
    reply_ok(response, data, message);
}

void handle_mission(ApiContext& context, const httplib::Request& request,
                    httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, {"action", "x", "y"});
    if (!body) {
        return;
    }
    const json action = body->value("action", json(nullptr));
    if (action != "start" && action != "pause" && action != "set") {
        reply_error(response, 400, "action must be \"start\", \"pause\" or \"set\"");
        return;
    }
    json forwarded{{"action", action}};
    if (action == "set") {
        std::optional<std::int64_t> x =
            integer_member(*body, "x", escort::k_coordinate_max, response);
        if (!x) {
            return;
        }
        std::optional<std::int64_t> y =
            integer_member(*body, "y", escort::k_coordinate_max, response);
        if (!y) {
            return;
        }
        forwarded["x"] = *x;
        forwarded["y"] = *y;
    }
    forward_absolute(context, response, "/mission", forwarded,
                     "mission " + action.get<std::string>());
}

void handle_timing(ApiContext& context, const httplib::Request& request,
                   httplib::Response& response)
{
    std::optional<json> body =
        read_json_body(request, response,
                       std::set<std::string>(std::begin(transport::k_timing_fields),
                                             std::end(transport::k_timing_fields)));
    if (!body) {
        return;
    }
    // Checked here too (the 3x rule, the switches' type), so a refusal names
    // the problem without a round trip; the leader checks it again and merges
    // it with the timing in force.
    std::optional<escort::TimingChange> change =
        transport::timing_change_of(*body, response, reply_error);
    if (!change) {
        return;
    }
    forward_absolute(context, response, "/timing", *body,
                     transport::describe_timing_change(*change));
}

void handle_members_add(ApiContext& context, const httplib::Request& request,
                        httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, {"id", "address"});
    if (!body) {
        return;
    }
    std::optional<std::uint64_t> id = positive_member(*body, "id", response);
    if (!id) {
        return;
    }
    const json address = body->value("address", json(nullptr));
    std::string host;
    std::uint16_t port = 0;
    if (!address.is_string()
        || !transport::split_host_port(address.get<std::string>(), host, port)) {
        reply_error(response, 400, "address must be HOST:PORT, where the new node will listen");
        return;
    }
    // Adding a member is not idempotent: resend only what never left. The
    // leader's /members/add, not /join: the proxy does not vouch for the
    // address a user typed as if it were a member asking to join.
    ForwardResult result = context.forwarder.forward(
        {"/members/add", json{{"id", *id}, {"address", address}}, RetryPolicy::unsent_only, 0});
    context.metrics.count_forward("/members/add", result.status);
    if (result.status != 200) {
        reply_forward_error(response, result, "");
        return;
    }
    context.view.learn(*id, address.get<std::string>(), AddressSource::operator_request);
    reply_ok(response, result.body,
             "node " + std::to_string(*id) + " added as a learner: start it with --id "
                 + std::to_string(*id) + " --advertise " + address.get<std::string>());
}

/// Why removing `id` would leave the remaining voters without a reachable
/// majority, or "" when it would not. Without a leader the proxy cannot
/// tell, and says so: a wrong guess here can leave the cluster without quorum.
std::string removal_risk(const ClusterSnapshot& snapshot, std::uint64_t id)
{
    const NodeView* leader = snapshot.leader_view();
    if (leader == nullptr) {
        return "no leader is known right now, so the proxy cannot check that removing node "
               + std::to_string(id)
               + " keeps a reachable majority; retry once a leader is elected, or send "
                 "\"force\": true to remove it anyway";
    }
    std::size_t remaining = 0;
    std::size_t reachable = 0;
    for (std::uint64_t voter : leader->voters) {
        if (voter == id) {
            continue;
        }
        ++remaining;
        const NodeView* node = snapshot.find(voter);
        reachable += node != nullptr && node->reachable ? 1 : 0;
    }
    if (remaining == 0 || 2 * reachable > remaining) {
        return "";
    }
    return "removing node " + std::to_string(id) + " leaves " + std::to_string(reachable) + " of "
           + std::to_string(remaining)
           + " voters reachable, not a majority: the cluster could not commit; send "
             "\"force\": true to remove it anyway";
}

void handle_members_remove(ApiContext& context, const httplib::Request& request,
                           httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, {"id", "force"});
    if (!body) {
        return;
    }
    std::optional<std::uint64_t> id = positive_member(*body, "id", response);
    if (!id) {
        return;
    }
    const json force = body->value("force", json(false));
    if (!force.is_boolean()) {
        reply_error(response, 400, "force must be true or false");
        return;
    }
    if (!force.get<bool>()) {
        const std::string risk = removal_risk(*context.view.snapshot(), *id);
        if (!risk.empty()) {
            reply_error(response, 409, risk);
            return;
        }
    }
    ForwardResult result = context.forwarder.forward(
        {"/members/remove", json{{"id", *id}}, RetryPolicy::unsent_only, 0});
    context.metrics.count_forward("/members/remove", result.status);
    if (result.status != 200) {
        reply_forward_error(response, result, "");
        return;
    }
    reply_ok(response, result.body, "node " + std::to_string(*id) + " removed");
}

/// The voter the leader has replicated the most to, among reachable ones.
std::optional<std::uint64_t> most_caught_up_voter(const ClusterSnapshot& snapshot)
{
    const NodeView* leader = snapshot.leader_view();
    if (leader == nullptr) {
        return std::nullopt;
    }
    const PeerView* best = nullptr;
    for (const PeerView& peer : leader->peers) {
        const bool voter = std::find(leader->voters.begin(), leader->voters.end(), peer.id)
                           != leader->voters.end();
        const NodeView* node = snapshot.find(peer.id);
        if (peer.learner || !voter || node == nullptr || !node->reachable) {
            continue;
        }
        if (best == nullptr || peer.match_index > best->match_index) {
            best = &peer;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    return best->id;
}

void handle_transfer(ApiContext& context, const httplib::Request& request,
                     httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, {"to"});
    if (!body) {
        return;
    }
    std::uint64_t to = 0;
    if (body->contains("to")) {
        std::optional<std::uint64_t> given = positive_member(*body, "to", response);
        if (!given) {
            return;
        }
        to = *given;
    } else {
        std::optional<std::uint64_t> chosen = most_caught_up_voter(*context.view.snapshot());
        if (!chosen) {
            reply_error(response, 503,
                        "no leader, or no other reachable voter, to hand leadership to");
            return;
        }
        to = *chosen;
    }
    ForwardResult result = context.forwarder.forward(
        {"/transfer-leader", json{{"to", to}}, RetryPolicy::unsent_only, 0});
    context.metrics.count_forward("/transfer-leader", result.status);
    if (result.status != 200) {
        reply_forward_error(response, result, "");
        return;
    }
    reply_ok(response, result.body, "leadership handed to node " + std::to_string(to));
}

} // namespace

void install_control_routes(transport::HttpServer& server, ApiContext& context)
{
    // The admin token is checked on the head, before the server reads a byte
    // of the body: a client without it learns nothing of the route.
    transport::RouteOptions change;
    change.admit = [&context](const httplib::Request& request, httplib::Response& response) {
        return admit_change(context, request, response);
    };
    server.Post(
        "/mission",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_mission(context, request, response);
        },
        change);
    server.Post(
        "/timing",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_timing(context, request, response);
        },
        change);
    server.Post(
        "/members/add",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_members_add(context, request, response);
        },
        change);
    server.Post(
        "/members/remove",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_members_remove(context, request, response);
        },
        change);
    server.Post(
        "/transfer-leader",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_transfer(context, request, response);
        },
        change);
}

} // namespace raftescort::proxy
