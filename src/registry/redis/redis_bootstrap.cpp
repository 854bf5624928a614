// The Registry's bootstrap claim and node id allocation: synchronous writes
// that bypass the outbox, because a starting node needs the answer before it
// can found or join a cluster.

#include "registry/redis/registry_impl.hpp"

#include <raftescort/util/decimal.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace raftescort::registry {

namespace {

using util::ErrorCode;
using util::make_error;

/// The script marks garbage it finds with this error prefix, so the caller
/// can tell corruption from Redis refusing the script.
constexpr std::string_view k_corrupt_prefix = "CORRUPT ";

// Hands out the next id that is neither allocated nor registered, and
// reserves it in `nodes`. One script keeps the check and the reservation
// atomic across every client. The values are checked before INCR so that
// garbage is reported instead of being "incremented". Lua numbers are
// doubles, so the counter is limited to 15 digits, where every id is exact.
// The loop ends: each pass skips one member of the finite `nodes` set.
constexpr const char* k_allocate_script = R"lua(
local last = redis.pcall('GET', KEYS[1])
if type(last) == 'table' then
  return redis.error_reply('CORRUPT ' .. KEYS[1] .. ' holds the wrong type')
end
if last and (not string.match(last, '^[1-9]%d*$') or #last > 15) then
  return redis.error_reply('CORRUPT ' .. KEYS[1] .. ' holds "' .. string.sub(last, 1, 32)
                           .. '", not a decimal node id')
end
local nodes_type = redis.call('TYPE', KEYS[2]).ok
if nodes_type ~= 'set' and nodes_type ~= 'none' then
  return redis.error_reply('CORRUPT ' .. KEYS[2] .. ' holds the wrong type')
end
local id = redis.call('INCR', KEYS[1])
while redis.call('SISMEMBER', KEYS[2], id) == 1 do
  id = redis.call('INCR', KEYS[1])
end
redis.call('SADD', KEYS[2], id)
return id
)lua";

/// How much of a garbage value an error message quotes.
constexpr std::size_t k_quoted_chars_max = 32;

// Ids are written with std::to_string, so a sign, spaces, leading zeros, 0
// (which means "no node") or a value past 64 bits was written by someone else.
std::optional<raft::NodeId> parse_node_id(std::string_view text)
{
    if (text.empty() || text.front() == '0') {
        return std::nullopt;
    }
    std::optional<std::uint64_t> value = util::parse_decimal<std::uint64_t>(text);
    if (!value) {
        return std::nullopt;
    }
    RE_ASSERT(*value != 0);
    return raft::NodeId{*value};
}

util::Error corrupt_value(const std::string& key, std::string_view value)
{
    std::string quoted(value.substr(0, k_quoted_chars_max));
    if (value.size() > k_quoted_chars_max) {
        quoted += "...";
    }
    return make_error(ErrorCode::corrupt, key + " holds \"" + quoted + "\", not a decimal node id");
}

// An error reply to a command on a key whose type is known: WRONGTYPE means
// someone else wrote that key; anything else is Redis refusing the command.
util::Error reply_error(const std::string& key, const redisReply* reply)
{
    RE_ASSERT(reply->type == REDIS_REPLY_ERROR);
    std::string text = reply_string(reply);
    if (text.rfind("WRONGTYPE", 0) == 0) {
        return make_error(ErrorCode::corrupt, key + " holds the wrong type: " + text);
    }
    return make_error(ErrorCode::rejected, "Redis refused a command on " + key + ": " + text);
}

// Decodes the GET reply of a key that holds a node id; nil is nullopt.
util::Result<std::optional<raft::NodeId>> to_node_id(const std::string& key,
                                                     const redisReply* reply)
{
    if (reply->type == REDIS_REPLY_ERROR) {
        return reply_error(key, reply);
    }
    if (reply->type == REDIS_REPLY_NIL) {
        return std::optional<raft::NodeId>();
    }
    // GET answers nil, an error, or a bulk string; nothing else.
    RE_ASSERT(reply->type == REDIS_REPLY_STRING);
    std::string_view text(reply->str, reply->len);
    auto id = parse_node_id(text);
    if (!id) {
        return corrupt_value(key, text);
    }
    return std::optional<raft::NodeId>(*id);
}

} // namespace

util::Result<raft::NodeId> Registry::claim_bootstrap(std::int64_t now_ms, raft::NodeId node)
{
    RE_ASSERT(node != raft::k_no_node);
    auto& impl = *m_impl;
    std::string key = impl.key("bootstrap");
    // SET ... NX GET would answer in one command but needs Redis 7.0; the
    // pipeline costs the same single round trip and works everywhere.
    std::string id = std::to_string(node.value);
    RE_TRY(replies, impl.exchange(now_ms, {{"SET", key, id, "NX"}, {"GET", key}}));
    const redisReply* set_reply = replies[0].get();
    if (set_reply->type == REDIS_REPLY_ERROR) {
        return reply_error(key, set_reply);
    }
    if (set_reply->type == REDIS_REPLY_STATUS) {
        // This call created the key, so this node founds the cluster.
        return node;
    }
    // NX answers nil when the key exists: someone (maybe this node, whose
    // earlier reply was lost) holds the claim, and the GET says who.
    RE_ASSERT(set_reply->type == REDIS_REPLY_NIL);
    RE_TRY(holder, to_node_id(key, replies[1].get()));
    if (!holder) {
        // Only a DEL between the two commands gets here (an operator
        // resetting the cluster); nobody holds the claim, so try again.
        return make_error(ErrorCode::rejected, key + " was deleted during the claim; claim again");
    }
    return *holder;
}

util::Result<std::optional<raft::NodeId>> Registry::read_bootstrap_claim(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    std::string key = impl.key("bootstrap");
    RE_TRY(replies, impl.exchange(now_ms, {{"GET", key}}));
    return to_node_id(key, replies[0].get());
}

util::Result<raft::NodeId> Registry::allocate_node_id(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    RE_TRY(replies, impl.exchange(now_ms, {{"EVAL", k_allocate_script, "2", impl.key("next_id"),
                                            impl.key("nodes")}}));
    const redisReply* reply = replies[0].get();
    if (reply->type == REDIS_REPLY_ERROR) {
        std::string text = reply_string(reply);
        if (text.rfind(k_corrupt_prefix, 0) == 0) {
            return make_error(ErrorCode::corrupt, text.substr(k_corrupt_prefix.size()));
        }
        return make_error(ErrorCode::rejected, "Redis refused the node id allocation: " + text);
    }
    // The script returns only a positive integer or an error.
    RE_ASSERT(reply->type == REDIS_REPLY_INTEGER);
    RE_ASSERT(reply->integer > 0);
    return raft::NodeId{static_cast<std::uint64_t>(reply->integer)};
}

util::Result<bool> Registry::node_known(std::int64_t now_ms, raft::NodeId node)
{
    RE_ASSERT(node != raft::k_no_node);
    auto& impl = *m_impl;
    std::string key = impl.key("nodes");
    RE_TRY(replies, impl.exchange(now_ms, {{"SISMEMBER", key, std::to_string(node.value)}}));
    const redisReply* reply = replies[0].get();
    if (reply->type == REDIS_REPLY_ERROR) {
        return reply_error(key, reply);
    }
    RE_ASSERT(reply->type == REDIS_REPLY_INTEGER);
    RE_ASSERT(reply->integer == 0 || reply->integer == 1);
    return reply->integer == 1;
}

} // namespace raftescort::registry
