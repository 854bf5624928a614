// The Registry's cluster token: published once per cluster (SET NX) and read
// by joining nodes and the proxy. Synchronous like the bootstrap claim,
// because a node cannot join, and the proxy cannot forward a change, until
// it knows the token.

#include "registry/redis/registry_impl.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace raftescort::registry {

namespace {

using util::ErrorCode;
using util::make_error;

/// Tokens travel in an HTTP header: printable ASCII, no spaces.
bool is_token_text(std::string_view text)
{
    if (text.empty() || text.size() > k_cluster_token_bytes_max) {
        return false;
    }
    for (const char c : text) {
        if (c <= ' ' || c >= 0x7F) {
            return false;
        }
    }
    return true;
}

/// Decodes the GET reply of the token key; nil is nullopt. The value is a
/// secret: an error message never quotes it.
util::Result<std::optional<std::string>> to_token(const std::string& key, const redisReply* reply)
{
    if (reply->type == REDIS_REPLY_ERROR) {
        std::string text = reply_string(reply);
        if (text.rfind("WRONGTYPE", 0) == 0) {
            return make_error(ErrorCode::corrupt, key + " holds the wrong type: " + text);
        }
        return make_error(ErrorCode::rejected, "Redis refused a command on " + key + ": " + text);
    }
    if (reply->type == REDIS_REPLY_NIL) {
        return std::optional<std::string>();
    }
    // GET answers nil, an error, or a bulk string; nothing else.
    RE_ASSERT(reply->type == REDIS_REPLY_STRING);
    std::string text(reply->str, reply->len);
    if (!is_token_text(text)) {
        return make_error(ErrorCode::corrupt,
                          key + " holds " + std::to_string(text.size())
                              + " bytes that are not a cluster token (printable ASCII without "
                                "spaces, at most "
                              + std::to_string(k_cluster_token_bytes_max) + " bytes)");
    }
    return std::optional<std::string>(std::move(text));
}

} // namespace

util::Result<std::string> Registry::publish_cluster_token(std::int64_t now_ms,
                                                          const std::string& token)
{
    RE_ASSERT(is_token_text(token));
    auto& impl = *m_impl;
    const std::string key = impl.key("cluster-token");
    // As in claim_bootstrap: SET NX and GET in one pipeline, one round trip.
    RE_TRY(replies, impl.exchange(now_ms, {{"SET", key, token, "NX"}, {"GET", key}}));
    const redisReply* set_reply = replies[0].get();
    if (set_reply->type == REDIS_REPLY_ERROR) {
        return make_error(ErrorCode::rejected,
                          "Redis refused a command on " + key + ": " + reply_string(set_reply));
    }
    if (set_reply->type == REDIS_REPLY_STATUS) {
        return token;
    }
    RE_ASSERT(set_reply->type == REDIS_REPLY_NIL);
    RE_TRY(holder, to_token(key, replies[1].get()));
    if (!holder) {
        return make_error(ErrorCode::rejected,
                          key + " was deleted during the publish; publish again");
    }
    return std::move(*holder);
}

util::Result<std::optional<std::string>> Registry::read_cluster_token(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    const std::string key = impl.key("cluster-token");
    RE_TRY(replies, impl.exchange(now_ms, {{"GET", key}}));
    return to_token(key, replies[0].get());
}

} // namespace raftescort::registry
