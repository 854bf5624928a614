// Reading requests, routing them, thread budgets and running handlers
// (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include "transport/http/socket_io.hpp"

#include <raftescort/transport/secret.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <string_view>

namespace raftescort::transport {

using namespace http;

void HttpServer::Engine::connection_ready(std::uint64_t id, std::uint32_t events)
{
    ConnectionPtr connection = find(id);
    if (!connection) {
        return; // closed by the sweeper or the evictor after the event fired
    }
    if ((events & EPOLLERR) != 0) {
        std::lock_guard owner(connection->mutex);
        if (connection->phase.load() != Phase::closed) {
            close_connection(*connection);
        }
        return;
    }
    serve(Turn{connection, false});
}

void HttpServer::Engine::serve(Turn first)
{
    // Handing a freed budget to a queued request gives this thread another
    // connection to serve; a list, not recursion, keeps the stack flat.
    std::vector<Turn> turns{std::move(first)};
    while (!turns.empty()) {
        Turn turn = std::move(turns.back());
        turns.pop_back();
        ServerConnection& connection = *turn.connection;
        std::lock_guard owner(connection.mutex);
        if (connection.phase.load() == Phase::closed) {
            if (turn.holds_budget) {
                // Its queued request will never run; the budget goes on.
                std::optional<Turn> next =
                    release_budget(static_cast<const Route*>(connection.route)->options.work_class);
                if (next) {
                    turns.push_back(std::move(*next));
                }
            }
            continue;
        }
        Wait wait = serve_turn(connection, turn.connection, turn.holds_budget, turns);
        arm(connection, wait);
    }
}

HttpServer::Engine::Wait HttpServer::Engine::serve_turn(ServerConnection& connection,
                                                        const ConnectionPtr& pointer,
                                                        bool holds_budget, std::vector<Turn>& next)
{
    switch (connection.phase.load()) {
    case Phase::writing: {
        Wait wait = flush(connection);
        if (wait != Wait::read || connection.phase.load() == Phase::draining) {
            return wait;
        }
        break; // the client may have sent its next request already
    }
    case Phase::draining: return drain(connection);
    case Phase::handshake: {
        std::string error;
        http::IoState state = http::accept_handshake(connection.ssl, error);
        if (state == http::IoState::want_read || state == http::IoState::want_write) {
            return state == http::IoState::want_read ? Wait::read : Wait::write;
        }
        if (state == http::IoState::closed) {
            spdlog::debug("TLS handshake with {} failed: {}", connection.remote_ip, error);
            close_connection(connection);
            std::lock_guard lock(m_mutex);
            ++m_counters.handshakes_failed_total;
            return Wait::none;
        }
        wait_for_request(connection);
        [[fallthrough]];
    }
    case Phase::head:
    case Phase::body:
        if (!read_some(connection)) {
            return Wait::none;
        }
        break;
    case Phase::queued: RE_ASSERT(holds_budget); break;
    case Phase::handling:
    case Phase::streaming:
    case Phase::closed: RE_ASSERT(false && "a connection served in a phase no event leads to");
    }
    // Each pass answers one request; a client may have sent several.
    while (true) {
        Phase phase = connection.phase.load();
        if (phase == Phase::closed || phase == Phase::streaming) {
            return Wait::none;
        }
        if (phase == Phase::writing) {
            return Wait::write;
        }
        if (phase == Phase::draining) {
            return Wait::read;
        }
        if (phase != Phase::queued) {
            Parse parse = parse_input(connection);
            if (parse == Parse::wait) {
                // TLS may hold decrypted bytes that no event will announce.
                if (http::has_buffered_input(connection.ssl) && read_some(connection)) {
                    continue;
                }
                if (connection.phase.load() == Phase::closed) {
                    return Wait::none;
                }
                return connection.read_wants_write ? Wait::write : Wait::read;
            }
            if (parse == Parse::answered) {
                continue;
            }
        }
        const Route& route = *static_cast<const Route*>(connection.route);
        WorkClass work_class = route.options.work_class;
        if (!holds_budget && !acquire_budget(work_class, pointer)) {
            connection.phase.store(Phase::queued);
            return Wait::none;
        }
        run_handler(connection, pointer);
        holds_budget = false;
        std::optional<Turn> handed = release_budget(work_class);
        if (handed) {
            next.push_back(std::move(*handed));
        }
    }
}

bool HttpServer::Engine::read_some(ServerConnection& connection)
{
    std::size_t wanted = k_read_bytes;
    if (connection.phase.load() == Phase::body) {
        std::size_t need = connection.content_length;
        wanted = need > connection.input.size()
                     ? std::min(k_read_bytes, need - connection.input.size())
                     : 0;
    }
    if (wanted == 0) {
        return true;
    }
    // Read on the stack and keep only what came: a connection's buffer
    // grows with what its client sent, not with what a read could take.
    char buffer[k_read_bytes];
    http::IoOutcome read = http::read_socket(connection.fd, connection.ssl, buffer, wanted);
    connection.read_wants_write = read.state == http::IoState::want_write;
    if (read.state == http::IoState::done) {
        connection.input.append(buffer, read.bytes);
        return true;
    }
    if (read.state != http::IoState::closed) {
        return true;
    }
    // The client closed (or the connection broke): whatever it was sending
    // will not be complete, and there is nobody to answer.
    close_connection(connection);
    return false;
}

HttpServer::Engine::Parse HttpServer::Engine::parse_input(ServerConnection& connection)
{
    if (connection.phase.load() == Phase::head) {
        bool was_started = connection.scanner.started();
        http::HeadScanner::State state = connection.scanner.scan(connection.input, m_limits);
        if (state == http::HeadScanner::State::refused) {
            answer_error(connection, connection.scanner.error().status,
                         connection.scanner.error().message, true, true);
            return Parse::answered;
        }
        if (state == http::HeadScanner::State::incomplete) {
            if (!was_started && connection.scanner.started()) {
                // The head's clock starts with its first byte, not when the
                // connection started waiting.
                connection.deadline_ms.store(now_ms() + m_options.head_timeout.count());
            }
            return Parse::wait;
        }
        Parse parse = head_complete(connection);
        if (parse != Parse::ready) {
            return parse;
        }
    }
    RE_ASSERT(connection.phase.load() == Phase::body);
    std::size_t need = connection.content_length;
    if (connection.input.size() < need) {
        return Parse::wait;
    }
    httplib::Request& request = *connection.request;
    request.body.assign(connection.input, 0, need);
    connection.input.erase(0, need);
    return Parse::ready;
}

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
    auto path = m_routes.find(head->path);
    const std::string method = head->method == "HEAD" ? std::string("GET") : head->method;
    if (path == m_routes.end()) {
        answer_error(connection, 404, "no such endpoint: " + head->method + " " + head->path, close,
                     has_body);
        return Parse::answered;
    }
    auto route = path->second.find(method);
    if (route == path->second.end()) {
        std::string allowed;
        for (const auto& [known, unused] : path->second) {
            allowed += (allowed.empty() ? "" : ", ") + known + (known == "GET" ? ", HEAD" : "");
        }
        httplib::Response response;
        m_render(405, head->method + " is not served on " + head->path + " (only " + allowed + ")",
                 response);
        response.status = 405;
        response.set_header("Allow", allowed);
        answer(connection, response, close, has_body);
        return Parse::answered;
    }
    const Route& chosen = route->second;
    httplib::Request request;
    request.method = head->method;
    request.path = head->path;
    request.target = head->target;
    request.version = head->version;
    request.params = std::move(*params);
    request.remote_addr = connection.remote_ip;
    request.remote_port = connection.remote_port;
    request.local_port = m_port;
    request.headers = std::move(head->headers);
    if (!m_options.trust_header.empty() && !connection.trusted.load()
        && request.has_header(m_options.trust_header.c_str())
        && secrets_equal(m_options.trust_value,
                         request.get_header_value(m_options.trust_header.c_str()))) {
        mark_trusted(connection);
    }
    // The admit check first: a client it refuses learns nothing of the
    // route, not even its body limit.
    if (chosen.options.admit) {
        httplib::Response refusal;
        if (!chosen.options.admit(request, refusal)) {
            if (refusal.status < 400) {
                m_render(403, "refused", refusal);
            }
            answer(connection, refusal, true, has_body);
            return Parse::answered;
        }
    }
    if (head->content_length > chosen.options.body_bytes_max) {
        answer_error(connection, 413,
                     "the body of " + std::to_string(head->content_length) + " bytes is over the "
                         + std::to_string(chosen.options.body_bytes_max) + "-byte limit of "
                         + head->method + " " + head->path,
                     true, true);
        return Parse::answered;
    }
    connection.route = &chosen;
    connection.request = std::move(request);
    connection.content_length = head->content_length;
    connection.keep_alive = head->keep_alive;
    connection.phase.store(Phase::body);
    connection.deadline_ms.store(now_ms() + m_options.body_timeout.count());
    if (head->expect_continue && has_body && connection.input.size() < connection.content_length) {
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

bool HttpServer::Engine::acquire_budget(WorkClass work_class, const ConnectionPtr& connection)
{
    std::lock_guard lock(m_mutex);
    WorkBudget& budget = m_budgets[class_index(work_class)];
    if (budget.running >= budget.limit) {
        budget.queue.push_back(connection);
        return false;
    }
    ++budget.running;
    // The handler may wait (a move waits for its commit): someone else must
    // be watching the epoll set meanwhile.
    if (m_waiting == 0 && m_threads < m_threads_max && !m_stopping.load()) {
        add_thread_locked();
    }
    return true;
}

std::optional<HttpServer::Engine::Turn> HttpServer::Engine::release_budget(WorkClass work_class)
{
    std::lock_guard lock(m_mutex);
    WorkBudget& budget = m_budgets[class_index(work_class)];
    RE_ASSERT(budget.running > 0);
    if (budget.queue.empty()) {
        --budget.running;
        return std::nullopt;
    }
    // The budget passes to the oldest queued request without being freed,
    // so a newcomer cannot overtake it.
    Turn turn{std::move(budget.queue.front()), true};
    budget.queue.pop_front();
    return turn;
}

void HttpServer::Engine::run_handler(ServerConnection& connection, const ConnectionPtr& pointer)
{
    const Route& route = *static_cast<const Route*>(connection.route);
    connection.phase.store(Phase::handling);
    auto response = std::make_unique<httplib::Response>();
    httplib::Request& request = *connection.request;
    try {
        route.handler(request, *response);
    } catch (const std::exception& exception) {
        // The detail is for the operator's log; the client learns only that
        // the fault is the server's.
        spdlog::error("{} {} failed: {}", request.method, request.path, exception.what());
        response = std::make_unique<httplib::Response>();
        m_render(500, "internal error (the server's log has the detail)", *response);
        response->status = 500;
    } catch (...) {
        spdlog::error("{} {} failed: unknown exception", request.method, request.path);
        response = std::make_unique<httplib::Response>();
        m_render(500, "internal error (the server's log has the detail)", *response);
        response->status = 500;
    }
    if (response->status < 100) {
        response->status = 200;
    }
    {
        std::lock_guard lock(m_mutex);
        ++m_counters.requests_total;
    }
    const bool keep_alive = connection.keep_alive;
    if (response->content_provider_ && !connection.head_only) {
        RE_ASSERT(response->is_chunked_content_provider_ && "only chunked streams are served");
        start_stream(connection, pointer, std::move(response));
        return;
    }
    answer(connection, *response, !keep_alive, false);
}

} // namespace raftescort::transport
