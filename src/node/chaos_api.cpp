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

void answer_chaos(httplib::Response& response, NodeLoop& loop, const NodeApiOptions& options,
                  std::future<RequestOutcome> done)
{
    if (done.wait_for(std::chrono::milliseconds(options.commit_timeout_ms))
        != std::future_status::ready) {
        reply_error(response, 503, "the node's loop did not take the fault in time");
        return;
    }
    RequestOutcome outcome = done.get();
    if (outcome.kind != RequestOutcome::Kind::committed) {
        // Refused: this node cannot do it (409); otherwise it is stopping.
        const bool stopping = outcome.retryable || outcome.message.empty();
        reply_error(response, stopping ? 503 : 409,
                    stopping ? std::string("the node is stopping") : outcome.message);
        return;
    }
    // The loop published its status before it answered.
    transport::reply_json(response, 200, faults_answer(loop.id(), loop.status().faults));
}

void handle_chaos(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                  const NodeApiOptions& options)
{
    std::optional<json> body = transport::read_json_object(
        request, response, options.body_bytes_max, k_fault_fields, reply_error);
    if (!body) {
        return;
    }
    const json kind = body->value("kind", json());
    if (kind == "heal" || kind == "recover") {
        if (body->size() != (body->contains("by") ? 2U : 1U)) {
            reply_error(response, 400,
                        "a " + kind.get<std::string>()
                            + " takes no other field than \"kind\" and \"by\"");
            return;
        }
        // "recover" ends a crash only: the node reopens its data dir.
        answer_chaos(response, loop, options,
                     kind == "heal" ? loop.chaos(std::nullopt)
                                    : loop.heal(chaos::FaultKind::crash));
        return;
    }
    util::Result<chaos::FaultSpec> fault = chaos::fault_spec_from_json(*body, loop.id());
    if (!fault) {
        reply_error(response, 400, fault.error().message);
        return;
    }
    if (fault.value().requested_by.empty()) {
        fault.value().requested_by = "a client at " + request.remote_addr;
    }
    answer_chaos(response, loop, options, loop.chaos(std::move(fault.value())));
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
