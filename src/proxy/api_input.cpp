#include "proxy/api_input.hpp"

#include "proxy/api_auth.hpp"
#include "proxy/api_envelope.hpp"

#include <charconv>

namespace raftescort::proxy {

using nlohmann::json;

std::optional<std::int64_t> parse_decimal(std::string_view text)
{
    std::int64_t value = 0;
    if (text.empty() || text.front() == '+') {
        return std::nullopt;
    }
    auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || rest != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<json> read_json_body(const httplib::Request& request, httplib::Response& response,
                                   const std::set<std::string>& allowed)
{
    if (!admit_json_body(request, response)) {
        return std::nullopt;
    }
    if (request.body.size() > k_body_bytes_max) {
        reply_error(response, 413,
                    "the body of " + std::to_string(request.body.size()) + " bytes is over the "
                        + std::to_string(k_body_bytes_max) + "-byte limit");
        return std::nullopt;
    }
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) {
        reply_error(response, 400, "the body is not valid JSON");
        return std::nullopt;
    }
    if (!body.is_object()) {
        reply_error(response, 400, "the body must be a JSON object");
        return std::nullopt;
    }
    for (const auto& item : body.items()) {
        if (allowed.count(item.key()) == 0) {
            std::string known;
            for (const std::string& name : allowed) {
                known += (known.empty() ? "\"" : ", \"") + name + "\"";
            }
            reply_error(response, 400,
                        "unknown field \"" + item.key().substr(0, 40) + "\" (known: " + known
                            + ")");
            return std::nullopt;
        }
    }
    return body;
}

namespace {

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
    std::optional<std::int64_t> value = parse_decimal(text);
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
    auto it = body.find(name);
    if (it == body.end()) {
        reply_error(response, 400, std::string("missing integer field \"") + name + "\"");
        return std::nullopt;
    }
    if (!it->is_number_integer()) {
        reply_error(response, 400,
                    std::string("field \"") + name + "\" must be an integer, not "
                        + it->dump().substr(0, 40));
        return std::nullopt;
    }
    // An unsigned value too large for int64 is out of range, not negative.
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(limit)) {
        reply_error(response, 400,
                    std::string("field \"") + name + "\" must be within " + range_text(limit));
        return std::nullopt;
    }
    const std::int64_t value = it->get<std::int64_t>();
    if (value > limit || value < -limit) {
        reply_error(response, 400,
                    std::string("field \"") + name + "\" must be within " + range_text(limit));
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> positive_param(const httplib::Request& request,
                                            httplib::Response& response, const char* name)
{
    const std::string text = request.get_param_value(name);
    std::optional<std::int64_t> value = parse_decimal(text);
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

} // namespace raftescort::proxy
