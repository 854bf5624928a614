#include "node/chaos_api.hpp"

#include "node/node_json.hpp"

#include <raftescort/chaos/fault_plan.hpp>
#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/json_body.hpp>

#include <chrono>
#include <optional>
#include <set>
#include <string>

namespace raftescort::node {

namespace {

using nlohmann::json;

const std::set<std::string> k_fault_fields{"kind",      "peers", "direction", "delay_ms",
                                           "jitter_ms", "rate",  "for_ms",    "by"};

json faults_answer(raft::NodeId id, const std::vector<chaos::ActiveFault>& faults)
{
    return json{{"id", id.value},
                {"faults", chaos::active_faults_json(faults, transport::monotonic_ms())}};
}

void handle_chaos(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                  const NodeApiOptions& options)
{
    std::optional<json> body = transport::read_json_object(
        request, response, options.body_bytes_max, k_fault_fields, reply_error);
    if (!body) {
        return;
    }
    std::optional<chaos::FaultSpec> fault;
    if (body->value("kind", json()) != "heal") {
        util::Result<chaos::FaultSpec> spec = chaos::fault_spec_from_json(*body, loop.id());
        if (!spec) {
            reply_error(response, 400, spec.error().message);
            return;
        }
        fault = std::move(spec.value());
        if (fault->requested_by.empty()) {
            fault->requested_by = "a client at " + request.remote_addr;
        }
    } else if (body->size() != 1) {
        reply_error(response, 400, "a heal takes no other field than \"kind\"");
        return;
    }
    std::future<RequestOutcome> done = loop.chaos(std::move(fault));
    if (done.wait_for(std::chrono::milliseconds(options.commit_timeout_ms))
        != std::future_status::ready) {
        reply_error(response, 503, "the node's loop did not take the fault in time");
        return;
    }
    if (done.get().kind != RequestOutcome::Kind::committed) {
        reply_error(response, 503, "the node is stopping");
        return;
    }
    // The loop published its status before it answered.
    transport::reply_json(response, 200, faults_answer(loop.id(), loop.status().faults));
}

} // namespace

void install_chaos_api(transport::HttpServer& server, NodeLoop& loop, const NodeApiOptions& options,
                       const transport::RouteOptions& change)
{
    server.Get("/chaos", [&loop](const httplib::Request&, httplib::Response& response) {
        transport::reply_json(response, 200, faults_answer(loop.id(), loop.status().faults));
    });
    server.Post(
        "/chaos",
        [&loop, options](const httplib::Request& request, httplib::Response& response) {
            handle_chaos(request, response, loop, options);
        },
        change);
}

} // namespace raftescort::node
