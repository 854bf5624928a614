#pragma once

// Reading one node's own routes on a client's behalf (GET /logs, GET
// /raft/log): the node's JSON answer, bounded and checked, or why not.

#include "proxy/api/api_context.hpp"
#include "proxy/view/node_view.hpp"

#include <raftescort/util/result.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace raftescort::proxy {

/// How long one node may take to answer such a read.
inline constexpr std::chrono::milliseconds k_node_fetch_timeout{2000};

/// GET `path` (with its query) from `node`: the answer's JSON object when
/// it is 200, otherwise an unavailable error naming the node, the route and
/// the node's own reason when it gave one.
util::Result<nlohmann::json> fetch_node_json(ClientPool& pool, const NodeView& node,
                                             const std::string& path,
                                             std::chrono::milliseconds timeout);
inline util::Result<nlohmann::json> fetch_node_json(ApiContext& context, const NodeView& node,
                                                    const std::string& path)
{
    return fetch_node_json(context.pool, node, path, k_node_fetch_timeout);
}

/// "?from=N&limit=M" rebuilt from the request's own (each checked to be a
/// non-negative integer, the limit at most `limit_max`), or "" when it has
/// neither. On bad input answers 400 and returns nullopt.
std::optional<std::string> range_query(const httplib::Request& request,
                                       httplib::Response& response,
                                       std::int64_t limit_max = INT64_MAX);

} // namespace raftescort::proxy
