// Reading requests, thread budgets and running handlers (server_engine.hpp).

#include "transport/http/server_engine.hpp"

#include "transport/http/socket_io.hpp"

#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>

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
