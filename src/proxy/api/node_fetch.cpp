#include "proxy/api/node_fetch.hpp"

#include "proxy/api/api_envelope.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/decimal.hpp>

#include <string_view>
#include <utility>

namespace raftescort::proxy {

using nlohmann::json;

util::Result<json> fetch_node_json(ClientPool& pool, const NodeView& node,
                                   const std::string& path, std::chrono::milliseconds timeout)
{
    const std::string who = "node " + std::to_string(node.id) + " at " + node.name;
    ClientLease client = pool.lease(node.name);
    if (!client) {
        return util::make_error(util::ErrorCode::unavailable, "the proxy is stopping");
    }
    client->set_read_timeout(timeout);
    httplib::Result answer = client->Get(path.c_str());
    if (!answer) {
        return util::make_error(util::ErrorCode::unavailable,
                                who + " did not answer (" + httplib::to_string(answer.error())
                                    + ")");
    }
    const std::string route = path.substr(0, path.find('?'));
    std::string refused =
        who + " answered GET " + route + " with HTTP " + std::to_string(answer->status);
    util::Result<json> body = transport::parse_answer_json(answer->body);
    if (answer->status != 200) {
        if (body.ok() && body.value().is_object() && body.value().contains("error")
            && body.value()["error"].is_string()) {
            refused += ": " + body.value()["error"].get<std::string>().substr(0, 300);
        }
        return util::make_error(util::ErrorCode::unavailable, refused);
    }
    if (!body.ok()) {
        return util::make_error(util::ErrorCode::unavailable,
                                refused + ": " + body.error().message);
    }
    if (!body.value().is_object()) {
        return util::make_error(util::ErrorCode::unavailable, refused + ": not a JSON object");
    }
    return std::move(body.value());
}

std::optional<std::string> range_query(const httplib::Request& request,
                                       httplib::Response& response, std::int64_t limit_max)
{
    std::string query;
    for (const char* name : {"from", "limit"}) {
        if (!request.has_param(name)) {
            continue;
        }
        const std::string text = request.get_param_value(name);
        std::optional<std::int64_t> value = util::parse_decimal<std::int64_t>(text);
        if (!value || *value < 0) {
            reply_error(response, 400,
                        std::string(name) + " must be a non-negative integer, not \""
                            + text.substr(0, 40) + "\"");
            return std::nullopt;
        }
        if (std::string_view(name) == "limit" && *value > limit_max) {
            reply_error(response, 400, "limit must be at most " + std::to_string(limit_max));
            return std::nullopt;
        }
        query += (query.empty() ? "?" : "&") + std::string(name) + "=" + std::to_string(*value);
    }
    return query;
}

} // namespace raftescort::proxy
