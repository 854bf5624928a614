// Moves: GET /nodes/move?x=N&y=N and POST /nodes/move, forwarded to the
// leader with a request id (the client's, or one of the proxy's lanes) and
// answered after commit with the positions.

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/view/cluster_json.hpp"

#include <raftescort/escort/escort.hpp>
#include <raftescort/transport/clock.hpp>
#include <raftescort/util/decimal.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

struct MoveInput {
    std::int64_t dx = 0;
    std::int64_t dy = 0;
    /// Empty: the proxy gives the move a request id of its own.
    std::string client_id;
    std::uint64_t sequence = 0;
};

void send_move(ApiContext& context, const MoveInput& input, httplib::Response& response)
{
    const std::int64_t started_ms = transport::monotonic_ms();
    const std::int64_t budget_ms = context.settings.request_timeout_ms;
    // Held until the forward ends, retries included: the lane's client id
    // carries no other move meanwhile (move_lanes.hpp).
    std::unique_ptr<LaneLease> lane;
    json body{{"dx", input.dx}, {"dy", input.dy}};
    if (input.client_id.empty()) {
        lane = context.lanes.acquire(budget_ms);
        if (!lane) {
            reply_error(response, 503,
                        "every proxy move lane stayed busy for " + std::to_string(budget_ms)
                            + " ms; retry later, or send your own client_id and sequence");
            return;
        }
        body["client_id"] = lane->client_id();
        body["sequence"] = lane->sequence();
    } else {
        body["client_id"] = input.client_id;
        body["sequence"] = input.sequence;
    }
    ForwardRequest request{
        "/move", body, RetryPolicy::until_deadline,
        std::max<std::int64_t>(1, budget_ms - (transport::monotonic_ms() - started_ms)), true};
    ForwardResult result = context.forwarder.forward(request);
    context.metrics.count_forward("/nodes/move", result.status);
    if (result.status != 200) {
        // A lane's id moves on to its next sequence, after which a retry of
        // this one would be a duplicate whether or not it was applied: only
        // a client's own id can be retried safely.
        const std::string advice =
            lane ? "the move may or may not be applied (see GET /nodes/position); send a "
                   "client_id and sequence of your own to be able to retry it safely"
                 : "the move may or may not be applied; a retry with client_id \"" + input.client_id
                       + "\" and sequence " + std::to_string(input.sequence)
                       + " is applied at most once";
        reply_forward_error(response, result, advice);
        return;
    }
    context.metrics.observe_move_commit(static_cast<double>(transport::monotonic_ms() - started_ms)
                                        / 1000.0);
    json data = result.body.is_object() ? result.body : json::object();
    data["positions"] = named_positions(data.value("positions", json()), *context.view.snapshot());
    data["client_id"] = body["client_id"];
    data["sequence"] = body["sequence"];
    const bool duplicate = data.value("result", json("")) == json("duplicate");
    reply_ok(response, data,
             duplicate
                 ? "already applied: a retry of the same client_id and sequence"
                 : "moved by (" + std::to_string(input.dx) + ", " + std::to_string(input.dy) + ")");
}

/// client_id and sequence travel together; both optional.
bool read_client(const std::optional<std::string>& client_id,
                 const std::optional<std::string>& sequence_text, MoveInput& input,
                 httplib::Response& response)
{
    if (!client_id && !sequence_text) {
        return true;
    }
    if (!client_id || !sequence_text) {
        reply_error(response, 400, "client_id and sequence go together: give both or neither");
        return false;
    }
    if (!escort::is_valid_client_id(*client_id)) {
        reply_error(response, 400, "client_id must be 1..64 characters of A-Z a-z 0-9 _ . : -");
        return false;
    }
    std::optional<std::int64_t> sequence = util::parse_decimal<std::int64_t>(*sequence_text);
    if (!sequence || *sequence <= 0) {
        reply_error(response, 400, "sequence must be a positive integer");
        return false;
    }
    input.client_id = *client_id;
    input.sequence = static_cast<std::uint64_t>(*sequence);
    return true;
}

void handle_move_get(ApiContext& context, const httplib::Request& request,
                     httplib::Response& response)
{
    MoveInput input;
    // As in the original project, a coordinate left out of the query is 0,
    // so ?x=5 moves along x alone; one that is given must be an integer in
    // range. POST stays strict: a body is written by a program, which
    // should say what it means.
    auto coordinate = [&](const char* name) -> std::optional<std::int64_t> {
        if (!request.has_param(name)) {
            return 0;
        }
        return integer_param(request, response, name, escort::k_move_delta_max);
    };
    std::optional<std::int64_t> x = coordinate("x");
    if (!x) {
        return;
    }
    std::optional<std::int64_t> y = coordinate("y");
    if (!y) {
        return;
    }
    input.dx = *x;
    input.dy = *y;
    auto param = [&request](const char* name) -> std::optional<std::string> {
        if (!request.has_param(name)) {
            return std::nullopt;
        }
        return request.get_param_value(name);
    };
    if (!read_client(param("client_id"), param("sequence"), input, response)) {
        return;
    }
    send_move(context, input, response);
}

void handle_move_post(ApiContext& context, const httplib::Request& request,
                      httplib::Response& response)
{
    std::optional<json> body =
        read_json_body(request, response, {"x", "y", "dx", "dy", "client_id", "sequence"});
    if (!body) {
        return;
    }
    const bool plain = body->contains("x") || body->contains("y");
    const bool delta = body->contains("dx") || body->contains("dy");
    if (plain && delta) {
        reply_error(response, 400, "give x and y, or dx and dy, not both");
        return;
    }
    const char* x_name = delta ? "dx" : "x";
    const char* y_name = delta ? "dy" : "y";
    MoveInput input;
    std::optional<std::int64_t> x =
        integer_member(*body, x_name, escort::k_move_delta_max, response);
    if (!x) {
        return;
    }
    std::optional<std::int64_t> y =
        integer_member(*body, y_name, escort::k_move_delta_max, response);
    if (!y) {
        return;
    }
    input.dx = *x;
    input.dy = *y;
    std::optional<std::string> client_id;
    std::optional<std::string> sequence;
    if (body->contains("client_id")) {
        client_id = (*body)["client_id"].is_string() ? (*body)["client_id"].get<std::string>()
                                                     : std::string();
    }
    if (body->contains("sequence")) {
        const json& value = (*body)["sequence"];
        sequence = value.is_number_integer() ? value.dump() : std::string("not an integer");
    }
    if (!read_client(client_id, sequence, input, response)) {
        return;
    }
    send_move(context, input, response);
}

} // namespace

void install_move_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/nodes/move",
               [&context](const httplib::Request& request, httplib::Response& response) {
                   handle_move_get(context, request, response);
               });
    server.Post("/nodes/move",
                [&context](const httplib::Request& request, httplib::Response& response) {
                    handle_move_post(context, request, response);
                });
}

} // namespace raftescort::proxy
