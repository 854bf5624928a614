#include "node/node_api.hpp"

#include "node/chaos_api.hpp"
#include "node/node_auth.hpp"
#include "node/node_json.hpp"

#include <raftescort/transport/interface_ips.hpp>
#include <raftescort/transport/json_body.hpp>
#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/timing_body.hpp>
#include <raftescort/util/assert.hpp>

#include <charconv>
#include <chrono>
#include <iterator>
#include <limits>
#include <set>
#include <string_view>

namespace raftescort::node {

namespace {

using nlohmann::json;

void reply(httplib::Response& response, int status, const json& body)
{
    transport::reply_json(response, status, body);
}

/// Parses a request body as a JSON object whose keys are all in `allowed`.
/// On failure answers the request and returns nullopt.
std::optional<json> parse_body(const httplib::Request& request, httplib::Response& response,
                               const NodeApiOptions& options, const std::set<std::string>& allowed)
{
    return transport::read_json_object(request, response, options.body_bytes_max, allowed,
                                       reply_error);
}

/// Reads an integer field within [-limit, limit]; answers 400 and returns
/// nullopt when it is missing, not an integer, or out of range.
std::optional<std::int64_t> integer_field(const json& body, const char* name, std::int64_t limit,
                                          httplib::Response& response)
{
    return transport::integer_member(body, name, limit, response, reply_error);
}

/// Waits for the loop's answer and turns it into the HTTP response.
/// `extra`'s members are added to a committed answer.
void answer(std::future<RequestOutcome> future, const NodeApiOptions& options,
            httplib::Response& response, const json& extra = json::object())
{
    if (future.wait_for(std::chrono::milliseconds(options.commit_timeout_ms))
        != std::future_status::ready) {
        reply_error(response, 503,
                    "not committed within " + std::to_string(options.commit_timeout_ms)
                        + " ms (no quorum?); the outcome is unknown: retry with the same "
                          "client_id and sequence, which is applied at most once");
        return;
    }
    RequestOutcome outcome = future.get();
    switch (outcome.kind) {
    case RequestOutcome::Kind::committed: {
        json committed = committed_json(outcome);
        committed.update(extra);
        reply(response, 200, committed);
        return;
    }
    case RequestOutcome::Kind::not_leader:
        reply(response, 421,
              json{{"error", outcome.message},
                   {"leader", outcome.leader.value},
                   {"leader_name", outcome.leader_name},
                   {"term", outcome.term.value}});
        return;
    case RequestOutcome::Kind::lost: reply_error(response, 503, outcome.message); return;
    case RequestOutcome::Kind::refused:
        reply_error(response, outcome.retryable ? 503 : 409, outcome.message);
        return;
    }
}

NodeCredentials credentials_of(const NodeApiOptions& options)
{
    return NodeCredentials{options.cluster_token, options.admin_token};
}

/// The optional "term" fencing token: true when absent or a positive integer
/// (stored in `fence`); answers 400 and returns false otherwise.
bool fence_field(const json& body, std::optional<raft::Term>& fence, httplib::Response& response)
{
    auto it = body.find("term");
    if (it == body.end()) {
        return true;
    }
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0) {
        reply_error(response, 400, "\"term\" must be a positive integer");
        return false;
    }
    fence = raft::Term{it->get<std::uint64_t>()};
    return true;
}

void handle_move(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                 const NodeApiOptions& options)
{
    std::optional<json> body =
        parse_body(request, response, options, {"dx", "dy", "client_id", "sequence", "term"});
    if (!body) {
        return;
    }
    std::optional<std::int64_t> dx = integer_field(*body, "dx", escort::k_move_delta_max, response);
    if (!dx) {
        return;
    }
    std::optional<std::int64_t> dy = integer_field(*body, "dy", escort::k_move_delta_max, response);
    if (!dy) {
        return;
    }
    escort::Command command;
    command.kind = escort::CommandKind::move;
    command.dx = *dx;
    command.dy = *dy;
    if (body->contains("client_id")) {
        const json& client = (*body)["client_id"];
        if (!client.is_string() || !escort::is_valid_client_id(client.get<std::string>())) {
            reply_error(response, 400, "client_id must be 1..64 characters of A-Z a-z 0-9 _ . : -");
            return;
        }
        const json& sequence = body->value("sequence", json(nullptr));
        if (!sequence.is_number_unsigned() || sequence.get<std::uint64_t>() == 0) {
            reply_error(response, 400, "a move with client_id needs a positive integer sequence");
            return;
        }
        command.client_id = client.get<std::string>();
        command.sequence = sequence.get<std::uint64_t>();
    } else if (body->contains("sequence")) {
        reply_error(response, 400, "sequence without client_id");
        return;
    }
    std::optional<raft::Term> fence;
    if (!fence_field(*body, fence, response)) {
        return;
    }
    answer(loop.propose(escort::encode_command(command), fence), options, response);
}

void handle_mission(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                    const NodeApiOptions& options)
{
    std::optional<json> body = parse_body(request, response, options, {"action", "x", "y", "term"});
    if (!body) {
        return;
    }
    std::string action = body->value("action", json("")).is_string()
                             ? body->value("action", std::string())
                             : std::string();
    escort::Command command;
    command.kind = escort::CommandKind::mission;
    escort::Mission current = loop.status().mission;
    command.target = current.target;
    command.running = current.running;
    if (action == "start") {
        command.running = true;
    } else if (action == "pause") {
        command.running = false;
    } else if (action == "set") {
        std::optional<std::int64_t> x =
            integer_field(*body, "x", escort::k_coordinate_max, response);
        if (!x) {
            return;
        }
        std::optional<std::int64_t> y =
            integer_field(*body, "y", escort::k_coordinate_max, response);
        if (!y) {
            return;
        }
        command.target = escort::Point{*x, *y};
    } else {
        reply_error(response, 400, "action must be \"start\", \"pause\" or \"set\"");
        return;
    }
    std::optional<raft::Term> fence;
    if (!fence_field(*body, fence, response)) {
        return;
    }
    answer(loop.propose(escort::encode_command(command), fence), options, response);
}

void handle_timing(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                   const NodeApiOptions& options)
{
    std::set<std::string> allowed(std::begin(transport::k_timing_fields),
                                  std::end(transport::k_timing_fields));
    allowed.insert("term");
    std::optional<json> body = parse_body(request, response, options, allowed);
    if (!body) {
        return;
    }
    std::optional<raft::Term> fence;
    if (!fence_field(*body, fence, response)) {
        return;
    }
    body->erase("term");
    std::optional<escort::TimingChange> change =
        transport::timing_change_of(*body, response, reply_error);
    if (!change) {
        return;
    }
    // Parts the body leaves out stay as this node has applied them; a node
    // that is not the leader refuses the proposal below anyway.
    escort::Command command;
    command.kind = escort::CommandKind::timing;
    command.timing = escort::changed_timing(loop.status().timing.replicated, *change);
    if (std::optional<std::string> problem = escort::timing_problem(command.timing)) {
        reply_error(response, 400, *problem);
        return;
    }
    answer(loop.propose(escort::encode_command(command), fence), options, response,
           json{{"timing", replicated_timing_json(command.timing)}});
}

/// Adds a learner: /join (a node adding itself) and /members/add (an
/// operator adding one) differ only in who may ask, checked by the caller.
void handle_add(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                const NodeApiOptions& options)
{
    std::optional<json> body = parse_body(request, response, options, {"id", "address"});
    if (!body) {
        return;
    }
    const json& id = body->value("id", json(nullptr));
    const json& address = body->value("address", json(nullptr));
    std::string host;
    std::uint16_t port = 0;
    if (!id.is_number_unsigned() || id.get<std::uint64_t>() == 0) {
        reply_error(response, 400, "id must be a positive integer");
        return;
    }
    if (!address.is_string()
        || !transport::split_host_port(address.get<std::string>(), host, port)) {
        reply_error(response, 400, "address must be HOST:PORT");
        return;
    }
    answer(loop.add_node(raft::NodeId{id.get<std::uint64_t>()}, address.get<std::string>()),
           options, response);
}

/// Reads an optional positive node id field; answers 400 when it is malformed.
std::optional<raft::NodeId> node_id_field(const json& body, const char* name, bool required,
                                          httplib::Response& response)
{
    const json& value = body.value(name, json(nullptr));
    if (value.is_null() && !required) {
        return raft::k_no_node;
    }
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) {
        reply_error(response, 400, std::string("\"") + name + "\" must be a positive node id");
        return std::nullopt;
    }
    return raft::NodeId{value.get<std::uint64_t>()};
}

void handle_remove(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                   const NodeApiOptions& options)
{
    std::optional<json> body = parse_body(request, response, options, {"id"});
    if (!body) {
        return;
    }
    std::optional<raft::NodeId> node = node_id_field(*body, "id", true, response);
    if (!node) {
        return;
    }
    answer(loop.remove_node(*node), options, response);
}

void handle_transfer(const httplib::Request& request, httplib::Response& response, NodeLoop& loop,
                     const NodeApiOptions& options)
{
    std::optional<json> body = parse_body(request, response, options, {"to"});
    if (!body) {
        return;
    }
    std::optional<raft::NodeId> target = node_id_field(*body, "to", false, response);
    if (!target) {
        return;
    }
    raft::NodeId from = loop.id();
    std::future<RequestOutcome> future = loop.transfer_leadership(*target);
    if (future.wait_for(std::chrono::milliseconds(options.commit_timeout_ms))
        == std::future_status::ready) {
        RequestOutcome outcome = future.get();
        if (outcome.kind == RequestOutcome::Kind::committed) {
            reply(response, 200,
                  json{{"from", from.value},
                       {"to", outcome.leader.value},
                       {"to_name", outcome.leader_name},
                       {"term", outcome.term.value}});
            return;
        }
        std::promise<RequestOutcome> again;
        again.set_value(std::move(outcome));
        answer(again.get_future(), options, response);
        return;
    }
    reply_error(response, 503,
                "leadership did not move within " + std::to_string(options.commit_timeout_ms)
                    + " ms");
}

std::uint64_t query_u64(const httplib::Request& request, const char* name, std::uint64_t fallback,
                        bool& ok)
{
    if (!request.has_param(name)) {
        return fallback;
    }
    std::string text = request.get_param_value(name);
    std::uint64_t value = 0;
    auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = ok && error == std::errc{} && rest == text.data() + text.size() && !text.empty();
    return value;
}

void handle_position(NodeLoop& loop, httplib::Response& response)
{
    NodeStatus status = loop.status();
    reply(response, 200,
          json{{"id", status.id.value},
               {"name", status.name},
               {"role", status.role},
               {"position", status.position ? point_json(*status.position) : json(nullptr)},
               {"lead", point_json(status.lead)},
               {"applied_index", status.applied_index.value}});
}

void handle_logs(const httplib::Request& request, httplib::Response& response, NodeLoop& loop)
{
    bool ok = true;
    std::uint64_t from = query_u64(request, "from", 0, ok);
    std::uint64_t limit = query_u64(request, "limit", 10000, ok);
    if (!ok) {
        reply_error(response, 400, "from and limit must be non-negative integers");
        return;
    }
    NodeStatus status = loop.status();
    json entries = json::array();
    std::vector<LoggedEntry> logged = loop.logs(raft::Index{from}, limit);
    for (const LoggedEntry& entry : logged) {
        entries.push_back(logged_entry_json(entry));
    }
    std::uint64_t first = logged.empty() ? 0 : logged.front().index.value;
    reply(response, 200,
          json{{"id", status.id.value},
               {"first_index", first},
               {"applied_index", status.applied_index.value},
               {"entries", entries}});
}

/// Entries one window shows when the request does not say.
constexpr std::uint64_t k_log_window_limit_default = 40;
/// How long a log read waits for the loop (a healthy loop answers within a turn).
constexpr std::chrono::milliseconds k_log_window_wait{1000};

void handle_raft_log(const httplib::Request& request, httplib::Response& response,
                     NodeLoop& loop)
{
    bool ok = true;
    std::optional<raft::Index> from;
    if (request.has_param("from")) {
        from = raft::Index{query_u64(request, "from", 0, ok)};
    }
    std::uint64_t limit = query_u64(request, "limit", k_log_window_limit_default, ok);
    if (!ok) {
        reply_error(response, 400, "from and limit must be non-negative integers");
        return;
    }
    if (limit > k_log_window_limit_max) {
        reply_error(response, 400,
                    "limit must be at most " + std::to_string(k_log_window_limit_max));
        return;
    }
    std::future<RequestOutcome> future = loop.log_window(from, limit);
    // A paused loop holds the read until it resumes; a viewer polling the
    // log must not pile up server threads meanwhile.
    if (future.wait_for(k_log_window_wait) != std::future_status::ready) {
        reply_error(response, 503, "the node did not read its log within "
                                       + std::to_string(k_log_window_wait.count())
                                       + " ms (paused?)");
        return;
    }
    RequestOutcome outcome = future.get();
    if (outcome.kind != RequestOutcome::Kind::committed) {
        reply_error(response, 503, outcome.message);
        return;
    }
    NodeStatus status = loop.status();
    json body = log_window_json(outcome.log_window);
    body["id"] = status.id.value;
    body["name"] = status.name;
    body["role"] = status.role;
    body["term"] = outcome.term.value;
    body["leader"] = outcome.leader.value;
    reply(response, 200, body);
}

/// Trace items one page holds when the request does not say, and at most.
constexpr std::uint64_t k_trace_page_default = 200;
constexpr std::uint64_t k_trace_page_max = 1000;

void handle_raft_trace(const httplib::Request& request, httplib::Response& response,
                       NodeLoop& loop)
{
    bool ok = true;
    std::uint64_t after = query_u64(request, "after", 0, ok);
    std::uint64_t limit = query_u64(request, "limit", k_trace_page_default, ok);
    if (!ok) {
        reply_error(response, 400, "after and limit must be non-negative integers");
        return;
    }
    if (limit > k_trace_page_max) {
        reply_error(response, 400, "limit must be at most " + std::to_string(k_trace_page_max));
        return;
    }
    if (!loop.tracing()) {
        reply_error(response, 404, "this node keeps no message trace (started with --trace off)");
        return;
    }
    if (!request.has_param("after")) {
        // No cursor yet: where to follow from, without the backlog.
        reply(response, 200,
              json{{"id", loop.id().value},
                   {"next", loop.trace_newest()},
                   {"missed", 0},
                   {"messages", json::array()}});
        return;
    }
    TracePage page = loop.trace(after, limit);
    json messages = json::array();
    for (const TracedMessage& message : page.messages) {
        messages.push_back(traced_message_json(message));
    }
    reply(response, 200,
          json{{"id", loop.id().value},
               {"next", page.next},
               {"missed", page.missed},
               {"messages", std::move(messages)}});
}

/// The routes that only read the node's state.
void install_reads(transport::HttpServer& server, NodeLoop& loop)
{
    server.Get("/health", [](const httplib::Request&, httplib::Response& response) {
        reply(response, 200, json{{"ok", true}});
    });
    server.Get("/status", [&loop](const httplib::Request&, httplib::Response& response) {
        NodeStatus status = loop.status();
        // Read here rather than by the loop: the loop has no use for them.
        status.interface_ips = transport::interface_ips();
        reply(response, 200, status_json(status));
    });
    server.Get("/position", [&loop](const httplib::Request&, httplib::Response& response) {
        handle_position(loop, response);
    });
    server.Get("/logs", [&loop](const httplib::Request& request, httplib::Response& response) {
        handle_logs(request, response, loop);
    });
    server.Get("/raft/trace", [&loop](const httplib::Request& request,
                                      httplib::Response& response) {
        handle_raft_trace(request, response, loop);
    });
    server.Get("/raft/log", [&loop](const httplib::Request& request,
                                    httplib::Response& response) {
        handle_raft_log(request, response, loop);
    });
}

using Handler = void (*)(const httplib::Request&, httplib::Response&, NodeLoop&,
                         const NodeApiOptions&);
using Admit = bool (*)(const httplib::Request&, httplib::Response&, const NodeCredentials&);

/// `handler` as a route's handler, bound to the loop and the options.
transport::HttpHandler bound(Handler handler, NodeLoop& loop, const NodeApiOptions& options)
{
    return [handler, &loop, options](const httplib::Request& request, httplib::Response& response) {
        handler(request, response, loop, options);
    };
}

/// A route that admits only a request whose credentials pass `admit`.
/// Credentials are checked on the head, before the server reads a byte of
/// the body: a client without them learns nothing of the route.
transport::RouteOptions admitted_by(Admit admit, const NodeApiOptions& options)
{
    transport::RouteOptions route;
    route.admit = [admit, credentials = credentials_of(options)](const httplib::Request& request,
                                                                 httplib::Response& response) {
        return admit(request, response, credentials);
    };
    return route;
}

/// The routes that propose entries: moves, the mission and membership.
void install_writes(transport::HttpServer& server, NodeLoop& loop, const NodeApiOptions& options)
{
    server.Post("/move", bound(handle_move, loop, options));
    transport::RouteOptions change = admitted_by(admit_change, options);
    transport::RouteOptions member = admitted_by(admit_member, options);
    server.Post("/mission", bound(handle_mission, loop, options), change);
    server.Post("/timing", bound(handle_timing, loop, options), change);
    server.Post("/join", bound(handle_add, loop, options), member);
    server.Post("/members/add", bound(handle_add, loop, options), change);
    server.Post("/members/remove", bound(handle_remove, loop, options), change);
    server.Post("/transfer-leader", bound(handle_transfer, loop, options), change);
    install_chaos_api(server, loop, options, change);
}

} // namespace

void install_node_api(transport::HttpServer& server, NodeLoop& loop, const NodeApiOptions& options)
{
    // A node without a cluster token would admit anyone to /join.
    RE_ASSERT(!options.cluster_token.empty());
    install_reads(server, loop);
    install_writes(server, loop, options);
}

} // namespace raftescort::node
