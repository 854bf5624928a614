// The receiving side of node-to-node messages
// (include/raftescort/transport/raft_endpoint.hpp).
//
// The token is checked on the request's head, before the server reads the
// body: a sender without the token learns nothing else (not even the size
// limit) and cannot make the node buffer megabytes.

#include <raftescort/transport/raft_endpoint.hpp>

#include "transport/http/status_codes.hpp"

#include <raftescort/transport/json_text.hpp>
#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/secret.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/host_port.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string_view>
#include <utility>

namespace raftescort::transport {

namespace status = http::status;

namespace {

void answer_error(httplib::Response& response, int status, const std::string& error)
{
    RE_ASSERT(status >= 400);
    response.status = status;
    response.set_content(json_text(nlohmann::json{{"error", error}}), "application/json");
}

/// 403 unless the request carries the cluster token (when the node has
/// one); runs before the body is read.
bool admit_sender(const RaftEndpointOptions& options, const httplib::Request& request,
                  httplib::Response& response)
{
    if (options.cluster_token.empty()) {
        return true;
    }
    bool present = request.has_header(k_token_header);
    if (present && secrets_equal(options.cluster_token, request.get_header_value(k_token_header))) {
        return true;
    }
    answer_error(response, status::k_forbidden,
                 present ? "wrong cluster token" : "missing cluster token");
    return false;
}

/// Waits for the node's answers to the request's messages and sends them
/// back as a batch; 204 when there were none in time.
void answer_replies(const RaftEndpointOptions& options, ReplySlot& slot,
                    httplib::Response& response)
{
    std::vector<raft::Message> replies = slot.take(ReplySlot::Clock::now() + options.reply_wait);
    if (replies.empty()) {
        response.status = status::k_no_content;
        return;
    }
    std::string body;
    for (raft::Message& reply : replies) {
        RE_ASSERT(reply.from == options.self);
        append_to_batch(body, encode_envelope(Envelope{options.cluster_id, std::move(reply)}));
    }
    response.status = status::k_ok;
    response.set_content(body, "application/json");
}

void handle_raft_message(const RaftEndpointOptions& options, const InboundHandler& handler,
                         const httplib::Request& request, httplib::Response& response)
{
    util::Result<std::vector<Envelope>> decoded = decode_batch(request.body, options.limits);
    if (!decoded.ok()) {
        answer_error(response, status::k_bad_request, decoded.error().message);
        return;
    }
    std::vector<Envelope>& envelopes = decoded.value();
    // Checked for every message before any is handed on: a batch is
    // accepted or refused whole, so a sender never has to guess which part
    // of a refused request arrived.
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        const Envelope& envelope = envelopes[i];
        std::string where =
            envelopes.size() == 1 ? std::string() : "message " + std::to_string(i + 1) + ": ";
        // The decoder refuses a missing `from` already; checked again because
        // the core must never see a message from "no node".
        if (envelope.message.from == raft::k_no_node) {
            answer_error(response, status::k_bad_request, where + "field 'from' is missing");
            return;
        }
        if (envelope.message.to != options.self) {
            answer_error(response, status::k_bad_request,
                         where + "field 'to' is node " + std::to_string(envelope.message.to.value)
                             + ", this is node " + std::to_string(options.self.value));
            return;
        }
    }
    for (const Envelope& envelope : envelopes) {
        if (envelope.cluster_id != options.cluster_id) {
            // Both ids are valid cluster ids (printable ASCII), safe to quote.
            answer_error(response, status::k_conflict,
                         "message for cluster '" + envelope.cluster_id + "', this is cluster '"
                             + options.cluster_id + "'");
            return;
        }
    }
    std::string sender_address = request.get_header_value(k_address_header);
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(sender_address, host, port)) {
        sender_address.clear();
    }
    std::shared_ptr<ReplySlot> slot;
    if (request.get_header_value(k_reply_header) == k_reply_header_value) {
        slot = std::make_shared<ReplySlot>();
    }
    std::vector<InboundMessage> inbound;
    inbound.reserve(envelopes.size());
    for (Envelope& envelope : envelopes) {
        inbound.push_back(InboundMessage{std::move(envelope.message), sender_address, slot});
    }
    if (!handler(std::move(inbound))) {
        answer_error(response, status::k_unavailable, "inbox full");
        return;
    }
    if (slot) {
        answer_replies(options, *slot, response);
        return;
    }
    response.status = status::k_no_content;
}

/// One decimal octet 0..255 without leading zeros ("010" is octal to
/// inet_aton and decimal to people: refused rather than guessed).
bool parse_octet(std::string_view text, unsigned& octet)
{
    if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) {
        return false;
    }
    octet = value;
    return true;
}

} // namespace

void install_raft_endpoint(HttpServer& server, const RaftEndpointOptions& options,
                           InboundHandler handler)
{
    RE_ASSERT(options.self != raft::k_no_node);
    RE_ASSERT(is_valid_cluster_id(options.cluster_id));
    RE_ASSERT(options.limits.body_bytes_max > 0);
    RE_ASSERT(handler);
    RouteOptions route;
    route.body_bytes_max = options.limits.body_bytes_max;
    // Raft traffic has threads of its own: no API request can hold up a
    // heartbeat.
    route.work_class = WorkClass::peer;
    route.admit = [options](const httplib::Request& request, httplib::Response& response) {
        return admit_sender(options, request, response);
    };
    server.Post(
        k_raft_message_path,
        [options, handler = std::move(handler)](const httplib::Request& request,
                                                httplib::Response& response) {
            handle_raft_message(options, handler, request, response);
        },
        std::move(route));
}

bool split_host_port(const std::string& address, std::string& host, std::uint16_t& port)
{
    // No default port: a peer always names the port it serves on.
    util::Result<util::HostPort> parsed = util::parse_host_port(address);
    if (!parsed.ok()) {
        return false;
    }
    host = std::move(parsed.value().host);
    port = parsed.value().port;
    return true;
}

bool is_loopback_ip(const std::string& host)
{
    std::string_view text = host;
    unsigned octets[4] = {};
    for (unsigned& octet : octets) {
        std::size_t dot = text.find('.');
        std::string_view part = text.substr(0, dot);
        if (!parse_octet(part, octet)) {
            return false;
        }
        // The fourth part must end the text; the first three must end in a dot.
        bool last = &octet == &octets[3];
        if (last != (dot == std::string_view::npos)) {
            return false;
        }
        text = last ? std::string_view{} : text.substr(dot + 1);
    }
    return octets[0] == 127;
}

} // namespace raftescort::transport
