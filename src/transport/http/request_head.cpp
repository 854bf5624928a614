// Reading an HTTP/1.x request head (request_head.hpp).

#include "transport/http/request_head.hpp"

#include <raftescort/util/assert.hpp>
#include <raftescort/util/hex.hpp>

#include <algorithm>
#include <array>

namespace raftescort::transport::http {

namespace {

/// A method is a short token; ours are GET, HEAD and POST.
constexpr std::size_t k_method_bytes_max = 20;
/// 2^64 has 20 digits; anything longer is surely over every body limit.
constexpr std::size_t k_content_length_digits_max = 19;

/// RFC 9110 §5.6.2: the characters of a token (method, header name).
bool is_token_char(unsigned char c)
{
    static constexpr std::string_view k_symbols = "!#$%&'*+-.^_`|~";
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || k_symbols.find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return is_token_char(static_cast<unsigned char>(c));
    });
}

/// A request target is sent encoded: visible ASCII only.
bool is_target_char(unsigned char c) { return c > 0x20 && c < 0x7f; }

/// A header value may hold tabs, spaces, visible ASCII and bytes >= 0x80;
/// never other control bytes (CR and LF above all: they would end the line).
bool is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x))
                      == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim_whitespace(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

/// Splits `head` into lines without their ends (CRLF or LF).
class LineReader {
public:
    explicit LineReader(std::string_view text) : m_text(text) { }

    std::optional<std::string_view> next()
    {
        if (m_text.empty()) {
            return std::nullopt;
        }
        std::size_t end = m_text.find('\n');
        std::string_view line = m_text.substr(0, end);
        m_text.remove_prefix(end == std::string_view::npos ? m_text.size() : end + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        return line;
    }

private:
    std::string_view m_text;
};

std::optional<RequestHead> refuse(HeadError& error, int status, std::string message)
{
    error.status = status;
    error.message = std::move(message);
    return std::nullopt;
}

/// "http://host:port/path?q" (absolute form, which a client must send to a
/// proxy and any server must accept) becomes "/path?q".
std::string_view origin_form(std::string_view target)
{
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        if (target.size() > scheme.size()
            && equals_ignoring_case(target.substr(0, scheme.size()), scheme)) {
            std::string_view rest = target.substr(scheme.size());
            std::size_t slash = rest.find('/');
            return slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
        }
    }
    return target;
}

bool parse_request_line(std::string_view line, RequestHead& head, HeadError& error)
{
    std::size_t first_space = line.find(' ');
    std::size_t last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space) {
        refuse(error, 400, "the request line is not METHOD TARGET HTTP/1.x");
        return false;
    }
    std::string_view method = line.substr(0, first_space);
    std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
    std::string_view version = line.substr(last_space + 1);
    if (!is_token(method) || method.size() > k_method_bytes_max) {
        refuse(error, 400, "the request method is not a token of at most 20 characters");
        return false;
    }
    if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
            return is_target_char(static_cast<unsigned char>(c));
        })) {
        refuse(error, 400,
               "the request target holds a space, a control byte or a byte above 0x7E; "
               "encode such bytes as %XX");
        return false;
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.'
        || version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        refuse(error, 400, "the request line does not end in an HTTP version");
        return false;
    }
    // A later 1.x is served as 1.1 (RFC 9110 §2.5); another major version
    // cannot arrive as a text request line, so it is a malformed request.
    if (version[5] != '1') {
        refuse(error, 400, "only HTTP/1.x is served, not " + std::string(version));
        return false;
    }
    std::string_view origin = origin_form(target);
    if (origin.front() != '/') {
        refuse(error, 400, "the request target must start with '/'");
        return false;
    }
    std::size_t question = origin.find('?');
    std::string_view raw_path = origin.substr(0, question);
    std::optional<std::string> path = percent_decode(raw_path, false);
    if (!path) {
        refuse(error, 400, "the path holds a '%' that is not followed by two hex digits, or %00");
        return false;
    }
    head.method = std::string(method);
    head.target = std::string(target);
    head.path = std::move(*path);
    head.query = question == std::string_view::npos ? std::string()
                                                    : std::string(origin.substr(question + 1));
    head.version = version == "HTTP/1.0" ? "HTTP/1.0" : "HTTP/1.1";
    head.keep_alive = head.version == "HTTP/1.1";
    return true;
}

/// Applies one header whose meaning the server itself needs.
bool apply_header(std::string_view name, std::string_view value, RequestHead& head,
                  std::optional<std::uint64_t>& content_length, HeadError& error)
{
    if (equals_ignoring_case(name, "content-length")) {
        if (value.empty() || value.size() > k_content_length_digits_max
            || !std::all_of(value.begin(), value.end(),
                            [](char c) { return c >= '0' && c <= '9'; })) {
            refuse(error, 400, "Content-Length is not a decimal number of at most 19 digits");
            return false;
        }
        std::uint64_t length = 0;
        for (char c : value) {
            length = length * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (content_length && *content_length != length) {
            refuse(error, 400, "two Content-Length headers disagree");
            return false;
        }
        content_length = length;
    } else if (equals_ignoring_case(name, "transfer-encoding")) {
        // RFC 9112 §6.3: without chunked last, a request's length cannot be
        // known (400). Chunked bodies are understood but not taken: 411 asks
        // for the length instead.
        std::string_view last =
            value.substr(value.rfind(',') == std::string_view::npos ? 0 : value.rfind(',') + 1);
        if (equals_ignoring_case(trim_whitespace(last), "chunked")) {
            refuse(error, 411, "chunked request bodies are not taken; send a Content-Length");
        } else {
            refuse(error, 400, "a request's Transfer-Encoding must end in chunked");
        }
        return false;
    } else if (equals_ignoring_case(name, "connection")) {
        // A comma-separated list of options; only two matter here.
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t comma = value.find(',', start);
            std::string_view option = trim_whitespace(value.substr(start, comma - start));
            if (equals_ignoring_case(option, "close")) {
                head.keep_alive = false;
            } else if (equals_ignoring_case(option, "keep-alive") && head.version == "HTTP/1.0") {
                head.keep_alive = true;
            }
            if (comma == std::string_view::npos) {
                break;
            }
            start = comma + 1;
        }
    } else if (equals_ignoring_case(name, "expect")) {
        if (!equals_ignoring_case(value, "100-continue")) {
            refuse(error, 417, "the only Expect understood is 100-continue");
            return false;
        }
        head.expect_continue = true;
    }
    return true;
}

bool parse_header_line(std::string_view line, RequestHead& head,
                       std::optional<std::uint64_t>& content_length, HeadError& error)
{
    if (line.front() == ' ' || line.front() == '\t') {
        refuse(error, 400, "a header line starts with whitespace (folded headers are refused)");
        return false;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        refuse(error, 400, "a header line has no ':'");
        return false;
    }
    std::string_view name = line.substr(0, colon);
    if (!is_token(name)) {
        refuse(error, 400, "a header name is empty or holds a character a token cannot");
        return false;
    }
    std::string_view value = line.substr(colon + 1);
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return is_value_char(static_cast<unsigned char>(c)); })) {
        refuse(error, 400, "the value of a header holds a control byte");
        return false;
    }
    value = trim_whitespace(value);
    if (!apply_header(name, value, head, content_length, error)) {
        return false;
    }
    head.headers.emplace(std::string(name), std::string(value));
    return true;
}

} // namespace

HeadScanner::State HeadScanner::scan(std::string_view buffer, const HeadLimits& limits)
{
    RE_ASSERT(buffer.size() >= m_scanned);
    RE_ASSERT(m_head_bytes == 0);
    for (; m_scanned < buffer.size(); ++m_scanned) {
        if (m_scanned >= limits.head_bytes_max) {
            m_error = {431, "the request head is over " + std::to_string(limits.head_bytes_max)
                                + " bytes"};
            return State::refused;
        }
        if (buffer[m_scanned] != '\n') {
            continue;
        }
        std::size_t line_bytes = m_scanned - m_line_start;
        bool blank = line_bytes == 0 || (line_bytes == 1 && buffer[m_line_start] == '\r');
        // Blank lines before a request line are tolerated (RFC 9112 §2.2).
        if (blank && m_lines > 0) {
            m_head_bytes = m_scanned + 1;
            return State::complete;
        }
        m_lines += blank ? 0 : 1;
        m_line_start = m_scanned + 1;
        if (m_lines > limits.header_count_max + 1) {
            m_error = {431, "the request has more than " + std::to_string(limits.header_count_max)
                                + " headers"};
            return State::refused;
        }
    }
    // The line still open is checked as it grows, so a long one is refused
    // before the whole head limit is reached.
    std::size_t open_line = buffer.size() - m_line_start;
    if (m_lines == 0 && open_line > limits.request_line_bytes_max) {
        m_error = {414, "the request line is over " + std::to_string(limits.request_line_bytes_max)
                            + " bytes"};
        return State::refused;
    }
    if (m_lines > 0 && open_line > limits.header_line_bytes_max) {
        m_error = {431, "a header line is over " + std::to_string(limits.header_line_bytes_max)
                            + " bytes"};
        return State::refused;
    }
    return State::incomplete;
}

std::optional<RequestHead> parse_head(std::string_view head_text, const HeadLimits& limits,
                                      HeadError& error)
{
    LineReader lines(head_text);
    std::optional<std::string_view> line = lines.next();
    while (line && line->empty()) {
        line = lines.next();
    }
    if (!line) {
        return refuse(error, 400, "the request has no request line");
    }
    if (line->size() > limits.request_line_bytes_max) {
        return refuse(error, 414,
                      "the request line is over " + std::to_string(limits.request_line_bytes_max)
                          + " bytes");
    }
    RequestHead head;
    if (!parse_request_line(*line, head, error)) {
        return std::nullopt;
    }
    std::optional<std::uint64_t> content_length;
    std::size_t header_count = 0;
    while ((line = lines.next()) && !line->empty()) {
        if (++header_count > limits.header_count_max) {
            return refuse(error, 431,
                          "the request has more than " + std::to_string(limits.header_count_max)
                              + " headers");
        }
        if (line->size() > limits.header_line_bytes_max) {
            return refuse(error, 431,
                          "a header line is over " + std::to_string(limits.header_line_bytes_max)
                              + " bytes");
        }
        if (!parse_header_line(*line, head, content_length, error)) {
            return std::nullopt;
        }
    }
    head.content_length = content_length.value_or(0);
    return head;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space)
{
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+' && plus_is_space) {
            decoded.push_back(' ');
            continue;
        }
        if (c != '%') {
            decoded.push_back(c);
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        int high = util::hex_digit(text[i + 1]);
        int low = util::hex_digit(text[i + 2]);
        if (high < 0 || low < 0 || (high == 0 && low == 0)) {
            return std::nullopt;
        }
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return decoded;
}

std::optional<httplib::Params> parse_query(std::string_view query)
{
    httplib::Params params;
    std::size_t start = 0;
    while (start < query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        std::string_view part = query.substr(start, end - start);
        start = end + 1;
        if (part.empty()) {
            continue;
        }
        std::size_t equals = part.find('=');
        std::optional<std::string> key = percent_decode(part.substr(0, equals), true);
        std::optional<std::string> value = equals == std::string_view::npos
                                               ? std::string()
                                               : percent_decode(part.substr(equals + 1), true);
        if (!key || !value) {
            return std::nullopt;
        }
        params.emplace(std::move(*key), std::move(*value));
    }
    return params;
}

} // namespace raftescort::transport::http
