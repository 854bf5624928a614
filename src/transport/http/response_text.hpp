#pragma once

// Writing an HTTP/1.1 response as bytes: the status line, the headers a
// handler set (any that would break the framing are dropped), the framing
// headers the server owns, and the body.

#include <httplib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace raftescort::transport::http {

struct ResponseFraming {
    /// The connection closes after this response.
    bool close = false;
    /// HEAD: the headers of the GET answer, no body.
    bool head_only = false;
    /// The body follows in chunks (a content provider streams it).
    bool chunked = false;
};

/// "OK", "Not Found", ...; "Unknown" for a status without a name here.
std::string_view reason_phrase(int status);

/// The whole response (status line, headers, blank line and, unless
/// head-only or chunked, the body) ready to send.
std::string response_text(const httplib::Response& response, const ResponseFraming& framing);

/// One chunk of a chunked body ("1a\r\n...\r\n"); an empty `data` is the
/// last chunk, which ends the body.
std::string chunk_text(std::string_view data);

} // namespace raftescort::transport::http
