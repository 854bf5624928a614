#pragma once

// Reading an HTTP/1.x request head from bytes a client sent: where it ends,
// what it says, and whether it keeps to the limits. Everything here is pure
// (no sockets, no clocks), so the server calls it as bytes arrive and the
// fuzzer calls it with whatever it likes.
//
// Strict where a lenient reading would let two programs disagree about what
// was asked (request smuggling, header injection): one space between the
// parts of the request line, no space before a header's colon, no folded
// lines, no control bytes, one Content-Length, and no Transfer-Encoding.
// Lenient where it costs nothing: a bare LF ends a line as CRLF does, and
// Host is not required.

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace raftescort::transport::http {

struct HeadLimits {
    std::size_t request_line_bytes_max = 8 * 1024;
    std::size_t header_line_bytes_max = 8 * 1024;
    std::size_t header_count_max = 64;
    /// The whole head, request line and headers, with line ends.
    std::size_t head_bytes_max = 16 * 1024;
};

/// Why a request was refused before any handler saw it: an HTTP status and a
/// one-line reason that names the problem.
struct HeadError {
    int status = 400;
    std::string message;
};

/// Finds the end of a head in a buffer that grows as bytes arrive, looking at
/// each byte once: a client that sends its head a byte at a time costs no
/// more than one that sends it at once.
class HeadScanner {
public:
    enum class State { incomplete, complete, refused };

    /// Scans what `buffer` holds beyond the last call; `buffer` must start
    /// with the same bytes as before.
    State scan(std::string_view buffer, const HeadLimits& limits);

    /// After `complete`: the head's length, its blank line included.
    std::size_t head_bytes() const { return m_head_bytes; }
    /// After `refused`.
    const HeadError& error() const { return m_error; }
    bool started() const { return m_scanned > 0; }
    void reset() { *this = HeadScanner{}; }

private:
    std::size_t m_scanned = 0;
    std::size_t m_line_start = 0;
    std::size_t m_lines = 0;
    std::size_t m_head_bytes = 0;
    HeadError m_error;
};

/// What a complete head says.
struct RequestHead {
    std::string method;
    /// As sent (the request line's second part).
    std::string target;
    /// Percent-decoded; always starts with '/'.
    std::string path;
    /// As sent, after '?' (may be empty).
    std::string query;
    /// "HTTP/1.0" or "HTTP/1.1".
    std::string version;
    httplib::Headers headers;
    std::uint64_t content_length = 0;
    /// After this request the connection stays open for another.
    bool keep_alive = true;
    /// The client waits for "100 Continue" before it sends the body.
    bool expect_continue = false;
};

/// Parses a complete head (what HeadScanner found); nullopt with `error` set
/// when it breaks a rule above.
std::optional<RequestHead> parse_head(std::string_view head, const HeadLimits& limits,
                                      HeadError& error);

/// Percent-decodes `text`; '+' becomes a space when `plus_is_space` (query
/// strings). nullopt for a '%' without two hex digits after it, or a NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// Splits a query string into its parameters ("a=1&b=&c" gives a="1", b="",
/// c=""); nullopt when a part does not decode.
std::optional<httplib::Params> parse_query(std::string_view query);

} // namespace raftescort::transport::http
