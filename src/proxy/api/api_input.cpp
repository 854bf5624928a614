#include "proxy/api/api_input.hpp"

#include "proxy/api/api_envelope.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/decimal.hpp>

namespace raftescort::proxy {

using nlohmann::json;

std::optional<json> read_json_body(const httplib::Request& request, httplib::Response& response,
                                   const std::set<std::string>& allowed)
{
    return transport::read_json_object(request, response, k_body_bytes_max, allowed, reply_error);
}

namespace {

constexpr std::size_t k_agent_chars_max = 40;

std::string range_text(std::int64_t limit)
{
    return "-" + std::to_string(limit) + ".." + std::to_string(limit);
}

} // namespace

std::optional<std::int64_t> integer_param(const httplib::Request& request,
                                          httplib::Response& response, const char* name,
                                          std::int64_t limit)
{
    if (!request.has_param(name)) {
        reply_error(response, 400, std::string("missing query parameter ") + name);
        return std::nullopt;
    }
    const std::string text = request.get_param_value(name);
    std::optional<std::int64_t> value = util::parse_decimal<std::int64_t>(text);
    if (!value) {
        reply_error(response, 400,
                    std::string(name) + " must be an integer, not \"" + text.substr(0, 40) + "\"");
        return std::nullopt;
    }
    if (*value > limit || *value < -limit) {
        reply_error(response, 400,
                    std::string(name) + " must be within " + range_text(limit) + ", not " + text);
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> integer_member(const json& body, const char* name, std::int64_t limit,
                                           httplib::Response& response)
{
    return transport::integer_member(body, name, limit, response, reply_error);
}

std::optional<std::uint64_t> positive_param(const httplib::Request& request,
                                            httplib::Response& response, const char* name)
{
    const std::string text = request.get_param_value(name);
    std::optional<std::int64_t> value = util::parse_decimal<std::int64_t>(text);
    if (!value || *value <= 0) {
        reply_error(response, 400,
                    std::string(name) + " must be a positive integer, not \"" + text.substr(0, 40)
                        + "\"");
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(*value);
}

std::optional<std::uint64_t> positive_member(const json& body, const char* name,
                                             httplib::Response& response)
{
    auto it = body.find(name);
    if (it == body.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() == 0) {
        reply_error(response, 400,
                    std::string("field \"") + name + "\" must be a positive integer");
        return std::nullopt;
    }
    return it->get<std::uint64_t>();
}

std::string client_description(const httplib::Request& request)
{
    std::string agent = request.get_header_value("User-Agent").substr(0, k_agent_chars_max);
    for (char& c : agent) {
        c = (c < 0x20 || c > 0x7e) ? '?' : c;
    }
    return (agent.empty() ? "a client" : agent) + " at " + request.remote_addr;
}

} // namespace raftescort::proxy
