// A request's complete head: routing it, admitting it and waiting for its
// body (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include "transport/http/socket_io.hpp"

#include <raftescort/transport/secret.hpp>

#include <string_view>

namespace raftescort::transport {

using namespace http;

HttpServer::Engine::Parse HttpServer::Engine::head_complete(ServerConnection& connection)
{
    const std::size_t head_bytes = connection.scanner.head_bytes();
    http::HeadError error;
    std::optional<http::RequestHead> head =
        http::parse_head(std::string_view(connection.input).substr(0, head_bytes), m_limits, error);
    connection.scanner.reset();
    // What follows the head is its body, or the next request when this one
    // is answered without a body.
    connection.input.erase(0, head_bytes);
    if (!head) {
        answer_error(connection, error.status, error.message, true, true);
        return Parse::answered;
    }
    // Every answer to a HEAD, the server's own errors included, has no body.
    connection.head_only = head->method == "HEAD";
    std::optional<httplib::Params> params = http::parse_query(head->query);
    const bool has_body = head->content_length > 0;
    // A well-formed request answered without reading its body leaves the
    // body in the way of the next request: such a connection closes.
    const bool close = has_body || !head->keep_alive;
    if (!params) {
        answer_error(connection, 400,
                     "the query holds a '%' that is not followed by two hex digits, or %00", close,
                     has_body);
        return Parse::answered;
    }
    const Route* chosen = route_of(connection, *head, close);
    if (chosen == nullptr) {
        return Parse::answered;
    }
    httplib::Request request = make_request(connection, *head, std::move(*params));
    trust_if_vouched(connection, request);
    if (!admit_request(connection, *chosen, request, *head)) {
        return Parse::answered;
    }
    return await_body(connection, *chosen, std::move(request), *head);
}

const HttpServer::Engine::Route* HttpServer::Engine::route_of(ServerConnection& connection,
                                                              const http::RequestHead& head,
                                                              bool close)
{
    const bool has_body = head.content_length > 0;
    auto path = m_routes.find(head.path);
    const std::string method = head.method == "HEAD" ? std::string("GET") : head.method;
    if (path == m_routes.end()) {
        answer_error(connection, 404, "no such endpoint: " + head.method + " " + head.path, close,
                     has_body);
        return nullptr;
    }
    auto route = path->second.find(method);
    if (route == path->second.end()) {
        answer_not_allowed(connection, head, path->second, close);
        return nullptr;
    }
    return &route->second;
}

void HttpServer::Engine::answer_not_allowed(ServerConnection& connection,
                                            const http::RequestHead& head,
                                            const std::map<std::string, Route>& methods, bool close)
{
    std::string allowed;
    for (const auto& [known, unused] : methods) {
        allowed += (allowed.empty() ? "" : ", ") + known + (known == "GET" ? ", HEAD" : "");
    }
    httplib::Response response;
    m_render(405, head.method + " is not served on " + head.path + " (only " + allowed + ")",
             response);
    response.status = 405;
    response.set_header("Allow", allowed);
    answer(connection, response, close, head.content_length > 0);
}

httplib::Request HttpServer::Engine::make_request(const ServerConnection& connection,
                                                  http::RequestHead& head,
                                                  httplib::Params params) const
{
    httplib::Request request;
    request.method = head.method;
    request.path = head.path;
    request.target = head.target;
    request.version = head.version;
    request.params = std::move(params);
    request.remote_addr = connection.remote_ip;
    request.remote_port = connection.remote_port;
    request.local_port = m_port;
    request.headers = std::move(head.headers);
    return request;
}

void HttpServer::Engine::trust_if_vouched(ServerConnection& connection,
                                          const httplib::Request& request)
{
    if (!m_options.trust_header.empty() && !connection.trusted.load()
        && request.has_header(m_options.trust_header.c_str())
        && secrets_equal(m_options.trust_value,
                         request.get_header_value(m_options.trust_header.c_str()))) {
        mark_trusted(connection);
    }
}

bool HttpServer::Engine::admit_request(ServerConnection& connection, const Route& route,
                                       const httplib::Request& request,
                                       const http::RequestHead& head)
{
    const bool has_body = head.content_length > 0;
    // The admit check first: a client it refuses learns nothing of the
    // route, not even its body limit.
    if (route.options.admit) {
        httplib::Response refusal;
        if (!route.options.admit(request, refusal)) {
            if (refusal.status < 400) {
                m_render(403, "refused", refusal);
            }
            answer(connection, refusal, true, has_body);
            return false;
        }
    }
    if (head.content_length > route.options.body_bytes_max) {
        answer_error(connection, 413,
                     "the body of " + std::to_string(head.content_length) + " bytes is over the "
                         + std::to_string(route.options.body_bytes_max) + "-byte limit of "
                         + head.method + " " + head.path,
                     true, true);
        return false;
    }
    return true;
}

HttpServer::Engine::Parse HttpServer::Engine::await_body(ServerConnection& connection,
                                                         const Route& route,
                                                         httplib::Request request,
                                                         const http::RequestHead& head)
{
    connection.route = &route;
    connection.request = std::move(request);
    connection.content_length = head.content_length;
    connection.keep_alive = head.keep_alive;
    connection.phase.store(Phase::body);
    connection.deadline_ms.store(now_ms() + m_options.body_timeout.count());
    const bool has_body = head.content_length > 0;
    if (head.expect_continue && has_body && connection.input.size() < connection.content_length) {
        static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
        http::IoOutcome sent =
            http::write_socket(connection.fd, connection.ssl, k_continue.data(), k_continue.size());
        if (sent.state != http::IoState::done || sent.bytes != k_continue.size()) {
            // A fresh connection's send buffer takes 25 bytes; one that does
            // not is broken, and half an interim answer would corrupt the
            // framing of the real one.
            close_connection(connection);
            return Parse::answered;
        }
    }
    return Parse::ready;
}

} // namespace raftescort::transport
