#pragma once

// Whether a request's Content-Type says JSON. Every POST of the node and the
// proxy must say so: an HTML form can only send text/plain,
// application/x-www-form-urlencoded or multipart/form-data across sites
// without asking first, so refusing everything but application/json keeps
// a page in someone's browser from posting to the cluster behind their back.

#include <string>
#include <string_view>

namespace raftescort::transport {

/// The one media type a POST body may have.
inline constexpr std::string_view k_json_media_type = "application/json";

/// True for "application/json", in any case, with or without parameters
/// ("application/json; charset=utf-8") and surrounding spaces.
inline bool is_json_media_type(std::string_view content_type)
{
    const std::size_t semicolon = content_type.find(';');
    std::string_view type = content_type.substr(0, semicolon);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
        type.remove_prefix(1);
    }
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.remove_suffix(1);
    }
    if (type.size() != k_json_media_type.size()) {
        return false;
    }
    for (std::size_t i = 0; i < type.size(); ++i) {
        const char c = type[i];
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != k_json_media_type[i]) {
            return false;
        }
    }
    return true;
}

/// The message of the 415 answer to a POST to `path` sent as `content_type`.
inline std::string json_media_type_refusal(std::string_view path, std::string_view content_type)
{
    std::string given = "no Content-Type";
    if (!content_type.empty()) {
        given = "Content-Type " + std::string(content_type.substr(0, 60));
    }
    return "POST " + std::string(path.substr(0, 80))
           + " takes a JSON body sent with 'Content-Type: " + std::string(k_json_media_type)
           + "', not " + given;
}

} // namespace raftescort::transport
