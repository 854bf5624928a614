// The Registry's connection: connect with explicit timeouts, AUTH, SELECT,
// the reset marker, pipelined round trips, and backoff after failures.

#include "registry/redis/registry_impl.hpp"

#include <sys/time.h>

#include <algorithm>
#include <string>

namespace raftescort::registry {

namespace {

using util::ErrorCode;
using util::make_error;

timeval to_timeval(std::uint32_t milliseconds)
{
    timeval value{};
    value.tv_sec = static_cast<time_t>(milliseconds / 1000);
    value.tv_usec = static_cast<suseconds_t>((milliseconds % 1000) * 1000);
    return value;
}

// hiredis reports a socket timeout as the errno text of EAGAIN, which
// explains nothing to an operator; name the timeout instead.
util::Error context_error(const redisContext* context, const RegistryOptions& options,
                          std::string_view action)
{
    std::string detail = context != nullptr ? context->errstr : "out of memory";
    bool timed_out = context != nullptr && context->err == REDIS_ERR_IO
                     && (detail.find("temporarily unavailable") != std::string::npos
                         || detail.find("timed out") != std::string::npos);
    std::string message = "Redis " + options.url.redacted() + ": " + std::string(action);
    if (timed_out) {
        std::uint32_t timeout_ms =
            action == "connect" ? options.connect_timeout_ms : options.command_timeout_ms;
        message += " timed out after " + std::to_string(timeout_ms) + " ms";
    } else {
        message += " failed: " + detail;
    }
    return make_error(ErrorCode::unavailable, std::move(message));
}

ReplyPtr run_command(redisContext* context, const Command& command)
{
    std::vector<const char*> arguments;
    std::vector<std::size_t> lengths;
    for (const auto& argument : command) {
        arguments.push_back(argument.data());
        lengths.push_back(argument.size());
    }
    void* reply = redisCommandArgv(context, static_cast<int>(arguments.size()), arguments.data(),
                                   lengths.data());
    return ReplyPtr(static_cast<redisReply*>(reply));
}

} // namespace

std::string reply_string(const redisReply* reply)
{
    if (reply == nullptr) {
        return {};
    }
    if (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS
        && reply->type != REDIS_REPLY_ERROR) {
        return {};
    }
    return std::string(reply->str, reply->len);
}

Registry::Impl::Impl(RegistryOptions registry_options) : m_options(std::move(registry_options))
{
    // Option relationships are programmer errors, not runtime conditions.
    RE_ASSERT(!m_options.cluster_id.empty());
    RE_ASSERT(m_options.cluster_id.find(':') == std::string::npos);
    RE_ASSERT(!m_options.client_name.empty());
    RE_ASSERT(m_options.connect_timeout_ms > 0);
    RE_ASSERT(m_options.command_timeout_ms > 0);
    RE_ASSERT(m_options.reconnect_backoff_initial_ms > 0);
    RE_ASSERT(m_options.reconnect_backoff_initial_ms <= m_options.reconnect_backoff_max_ms);
    RE_ASSERT(m_options.outbox_records_max > 0);
    RE_ASSERT(m_options.pipeline_records_max > 0);
    RE_ASSERT(m_options.events_length_max > 0);
    m_prefix = "raftescort:" + m_options.cluster_id + ":";
    m_marker_key = m_prefix + "marker:" + m_options.client_name;
    m_backoff_ms = m_options.reconnect_backoff_initial_ms;
}

util::Status Registry::Impl::ensure_connected(std::int64_t now_ms)
{
    if (m_context) {
        return util::Ok{};
    }
    if (now_ms < m_next_connect_ms) {
        std::string message = "Redis " + m_options.url.redacted() + " is unavailable; next "
                              + "attempt in " + std::to_string(m_next_connect_ms - now_ms) + " ms";
        if (m_last_error) {
            message += " (last error: " + m_last_error->message + ")";
        }
        return make_error(ErrorCode::unavailable, std::move(message));
    }
    return connect(now_ms);
}

util::Status Registry::Impl::connect(std::int64_t now_ms)
{
    RE_ASSERT(!m_context);
    timeval connect_timeout = to_timeval(m_options.connect_timeout_ms);
    ContextPtr context(
        redisConnectWithTimeout(m_options.url.host.c_str(), m_options.url.port, connect_timeout),
        &redisFree);
    if (!context || context->err != 0) {
        auto error = context_error(context.get(), m_options, "connect");
        fail(now_ms, error);
        return error;
    }
    // Without this, a stopped server would block every command forever:
    // hiredis only applies the connect timeout to the connect itself.
    timeval command_timeout = to_timeval(m_options.command_timeout_ms);
    if (redisSetTimeout(context.get(), command_timeout) != REDIS_OK) {
        auto error = context_error(context.get(), m_options, "set timeout");
        fail(now_ms, error);
        return error;
    }
    m_context = std::move(context);
    auto status = handshake(now_ms);
    if (!status) {
        return status;
    }
    // Only a connection that answered its handshake resets the backoff; a
    // server that accepts TCP but never answers (SIGSTOP) keeps backing off.
    if (m_ever_connected) {
        ++m_counters.reconnects;
    }
    m_ever_connected = true;
    m_backoff_ms = m_options.reconnect_backoff_initial_ms;
    m_last_error.reset();
    return util::Ok{};
}

util::Status Registry::Impl::handshake(std::int64_t now_ms)
{
    std::vector<Command> commands;
    if (!m_options.url.password.empty()) {
        if (m_options.url.username.empty()) {
            commands.push_back({"AUTH", m_options.url.password});
        } else {
            commands.push_back({"AUTH", m_options.url.username, m_options.url.password});
        }
    }
    if (m_options.url.database != 0) {
        commands.push_back({"SELECT", std::to_string(m_options.url.database)});
    }
    for (const auto& command : commands) {
        ReplyPtr reply = run_command(m_context.get(), command);
        if (!reply) {
            auto error = context_error(m_context.get(), m_options, command.front());
            fail(now_ms, error);
            return error;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            // A wrong password fails closed: no record is written through a
            // connection that did not authenticate.
            auto error = make_error(ErrorCode::rejected, "Redis " + m_options.url.redacted()
                                                             + " refused " + command.front() + ": "
                                                             + reply_string(reply.get()));
            fail(now_ms, error);
            return error;
        }
    }
    return check_marker(now_ms);
}

util::Status Registry::Impl::check_marker(std::int64_t now_ms)
{
    RE_ASSERT(m_context);
    // SET ... GET would do this in one round trip but needs Redis 6.2; two
    // commands in one pipeline cost the same and work everywhere.
    std::vector<Command> commands = {{"GET", m_marker_key},
                                     {"SET", m_marker_key, m_options.run_id}};
    std::optional<util::Error> error;
    auto replies = pipeline(now_ms, commands, error);
    if (error) {
        return *error;
    }
    RE_ASSERT(replies.size() == commands.size());
    for (const auto& reply : replies) {
        if (reply->type == REDIS_REPLY_ERROR) {
            // NOAUTH lands here when the server wants a password we lack.
            auto refused = make_error(ErrorCode::rejected, "Redis " + m_options.url.redacted()
                                                               + " refused the marker check: "
                                                               + reply_string(reply.get()));
            fail(now_ms, refused);
            return refused;
        }
    }
    // The first connection cannot tell an empty Redis from a new cluster;
    // the node writes its registration then anyway.
    if (replies[0]->type == REDIS_REPLY_NIL && m_ever_connected) {
        m_reset = true;
        ++m_counters.resets_detected;
    }
    m_next_marker_check_ms = now_ms + m_options.marker_check_interval_ms;
    return util::Ok{};
}

void Registry::Impl::fail(std::int64_t now_ms, const util::Error& error)
{
    m_context.reset();
    m_last_error = error;
    ++m_counters.failures;
    m_next_connect_ms = now_ms + m_backoff_ms;
    m_backoff_ms = std::min(m_backoff_ms * 2, m_options.reconnect_backoff_max_ms);
    RE_ASSERT(m_backoff_ms >= m_options.reconnect_backoff_initial_ms);
}

std::vector<ReplyPtr> Registry::Impl::pipeline(std::int64_t now_ms,
                                               const std::vector<Command>& commands,
                                               std::optional<util::Error>& error)
{
    RE_ASSERT(m_context);
    std::vector<ReplyPtr> replies;
    replies.reserve(commands.size());
    std::vector<const char*> arguments;
    std::vector<std::size_t> lengths;
    for (const auto& command : commands) {
        RE_ASSERT(!command.empty());
        arguments.clear();
        lengths.clear();
        for (const auto& argument : command) {
            arguments.push_back(argument.data());
            lengths.push_back(argument.size());
        }
        // Appending only fills hiredis's output buffer; it cannot fail on I/O.
        int appended = redisAppendCommandArgv(m_context.get(), static_cast<int>(arguments.size()),
                                              arguments.data(), lengths.data());
        RE_ASSERT(appended == REDIS_OK);
    }
    for (std::size_t i = 0; i < commands.size(); ++i) {
        void* reply = nullptr;
        if (redisGetReply(m_context.get(), &reply) != REDIS_OK || reply == nullptr) {
            error = context_error(m_context.get(), m_options, commands[i].front());
            fail(now_ms, *error);
            return replies;
        }
        replies.emplace_back(static_cast<redisReply*>(reply));
    }
    RE_ASSERT(replies.size() == commands.size());
    return replies;
}

util::Result<std::vector<ReplyPtr>> Registry::Impl::exchange(std::int64_t now_ms,
                                                             const std::vector<Command>& commands)
{
    RE_ASSERT(!commands.empty());
    auto status = ensure_connected(now_ms);
    if (!status) {
        return status.error();
    }
    std::optional<util::Error> error;
    auto replies = pipeline(now_ms, commands, error);
    if (error) {
        return *error;
    }
    RE_ASSERT(replies.size() == commands.size());
    return replies;
}

util::Result<std::vector<ReplyPtr>> Registry::Impl::read(std::int64_t now_ms,
                                                         const std::vector<Command>& commands)
{
    RE_TRY(replies, exchange(now_ms, commands));
    for (const auto& reply : replies) {
        if (reply->type == REDIS_REPLY_ERROR) {
            return make_error(ErrorCode::rejected,
                              "Redis refused a read: " + reply_string(reply.get()));
        }
    }
    return replies;
}

} // namespace raftescort::registry
