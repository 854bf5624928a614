#include <raftescort/transport/json_body.hpp>

#include "transport/http/bounded_json.hpp"

#include <raftescort/transport/json_media_type.hpp>
#include <raftescort/transport/json_text.hpp>

namespace raftescort::transport {

namespace {

using nlohmann::json;

constexpr int k_payload_too_large = 413;
constexpr int k_unsupported_media_type = 415;
/// Longest unknown key quoted back to the client.
constexpr std::size_t k_quoted_key_bytes_max = 40;

/// A request body is a flat object of a few fields, some of them short
/// arrays; anything far beyond that is refused while parsing.
http::JsonLimits client_body_limits(std::size_t bytes_max)
{
    http::JsonLimits limits;
    limits.nesting_depth_max = 3;
    limits.string_bytes_max = bytes_max;
    limits.array_elements_max = 64;
    limits.object_members_max = 32;
    limits.values_max = 256;
    limits.unsigned_integers_only = false;
    return limits;
}

/// Answers carry logs, records and every node's view: deep enough for any
/// of them, with room to grow, and bounded in memory by `values_max`.
http::JsonLimits answer_limits()
{
    http::JsonLimits limits;
    limits.nesting_depth_max = 16;
    limits.string_bytes_max = 1U << 20U;
    limits.array_elements_max = 1'000'000;
    limits.object_members_max = 10'000;
    limits.values_max = 4'000'000;
    limits.unsigned_integers_only = false;
    return limits;
}

std::string known_keys(const std::set<std::string>& allowed)
{
    std::string known;
    for (const std::string& name : allowed) {
        known += (known.empty() ? "\"" : ", \"") + name + "\"";
    }
    return known;
}

} // namespace

void reply_json(httplib::Response& response, int status, const json& body)
{
    response.status = status;
    response.set_content(json_text(body), "application/json");
}

bool admit_json_body(const httplib::Request& request, httplib::Response& response,
                     ErrorReply reply_error)
{
    const std::string content_type = request.get_header_value("Content-Type");
    if (is_json_media_type(content_type)) {
        return true;
    }
    reply_error(response, k_unsupported_media_type,
                json_media_type_refusal(request.path, content_type));
    return false;
}

std::optional<json> read_json_object(const httplib::Request& request, httplib::Response& response,
                                     std::size_t bytes_max, const std::set<std::string>& allowed,
                                     ErrorReply reply_error)
{
    if (!admit_json_body(request, response, reply_error)) {
        return std::nullopt;
    }
    if (request.body.size() > bytes_max) {
        reply_error(response, k_payload_too_large,
                    "the body of " + std::to_string(request.body.size()) + " bytes is over the "
                        + std::to_string(bytes_max) + "-byte limit");
        return std::nullopt;
    }
    util::Result<json> parsed =
        http::parse_bounded_json(request.body, client_body_limits(bytes_max));
    if (!parsed.ok()) {
        reply_error(response, 400, "the body was refused: " + parsed.error().message);
        return std::nullopt;
    }
    json& body = parsed.value();
    if (!body.is_object()) {
        reply_error(response, 400, "the body must be a JSON object");
        return std::nullopt;
    }
    for (const auto& item : body.items()) {
        if (allowed.count(item.key()) == 0) {
            reply_error(response, 400,
                        "unknown field \"" + item.key().substr(0, k_quoted_key_bytes_max)
                            + "\" (known: " + known_keys(allowed) + ")");
            return std::nullopt;
        }
    }
    return std::move(body);
}

std::optional<std::int64_t> integer_member(const json& body, const char* name, std::int64_t limit,
                                           httplib::Response& response, ErrorReply reply_error)
{
    auto it = body.find(name);
    if (it == body.end()) {
        reply_error(response, 400, std::string("missing integer field \"") + name + "\"");
        return std::nullopt;
    }
    if (!it->is_number_integer()) {
        reply_error(response, 400,
                    std::string("field \"") + name + "\" must be an integer, not "
                        + json_text(*it).substr(0, k_quoted_key_bytes_max));
        return std::nullopt;
    }
    // An unsigned value too large for int64 is out of range, not negative.
    const bool too_large =
        it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(limit);
    const std::int64_t value = too_large ? limit + 1 : it->get<std::int64_t>();
    if (value > limit || value < -limit) {
        reply_error(response, 400,
                    std::string("field \"") + name + "\" must be within -" + std::to_string(limit)
                        + ".." + std::to_string(limit));
        return std::nullopt;
    }
    return value;
}

util::Result<json> parse_answer_json(std::string_view text)
{
    return http::parse_bounded_json(text, answer_limits());
}

} // namespace raftescort::transport
