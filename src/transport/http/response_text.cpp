// Writing an HTTP/1.1 response (response_text.hpp).

#include "transport/http/response_text.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cstdio>

namespace raftescort::transport::http {

namespace {

/// Headers the server writes itself from the framing; a handler's copy of
/// one would contradict it.
bool is_framing_header(std::string_view name)
{
    static constexpr std::string_view k_names[] = {"content-length", "transfer-encoding",
                                                   "connection", "keep-alive"};
    return std::any_of(std::begin(k_names), std::end(k_names), [name](std::string_view known) {
        return name.size() == known.size()
               && std::equal(name.begin(), name.end(), known.begin(), [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) == b;
                  });
    });
}

/// CR, LF or NUL in a header would end it early: a handler that quotes a
/// client's bytes into a header must not be able to add headers of its own.
bool is_safe_header_text(std::string_view text)
{
    return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

/// 1xx, 204 and 304 answers never have a body (RFC 9110 §6.4.1).
bool has_no_body(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

} // namespace

std::string_view reason_phrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

std::string response_text(const httplib::Response& response, const ResponseFraming& framing)
{
    RE_ASSERT(response.status >= 100);
    RE_ASSERT(response.status <= 999);
    std::string text;
    text.reserve(128 + response.body.size());
    text += "HTTP/1.1 ";
    text += std::to_string(response.status);
    text += ' ';
    text += reason_phrase(response.status);
    text += "\r\n";
    for (const auto& [name, value] : response.headers) {
        if (name.empty() || is_framing_header(name) || !is_safe_header_text(name)
            || !is_safe_header_text(value)) {
            continue;
        }
        text += name;
        text += ": ";
        text += value;
        text += "\r\n";
    }
    const bool bodyless = has_no_body(response.status);
    if (framing.chunked) {
        RE_ASSERT(!bodyless);
        text += "Transfer-Encoding: chunked\r\n";
    } else if (!bodyless) {
        text += "Content-Length: ";
        text += std::to_string(response.body.size());
        text += "\r\n";
    }
    if (framing.close) {
        text += "Connection: close\r\n";
    }
    text += "\r\n";
    if (!framing.head_only && !framing.chunked && !bodyless) {
        text += response.body;
    }
    return text;
}

std::string chunk_text(std::string_view data)
{
    char size[24];
    int length = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    RE_ASSERT(length > 0);
    std::string text(size, static_cast<std::size_t>(length));
    text += data;
    text += "\r\n";
    return text;
}

} // namespace raftescort::transport::http
