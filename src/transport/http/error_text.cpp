// Quoting untrusted input in errors; see error_text.hpp.

#include "transport/http/error_text.hpp"

namespace raftescort::transport::http {

std::string escape_excerpt(std::string_view text, std::size_t bytes_max)
{
    constexpr std::string_view k_hex = "0123456789abcdef";
    std::string out;
    std::size_t shown = text.size() < bytes_max ? text.size() : bytes_max;
    for (std::size_t i = 0; i < shown; ++i) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
            out += static_cast<char>(byte);
        } else {
            out += "\\x";
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0x0F];
        }
    }
    if (shown < text.size()) {
        out += "...";
    }
    return out;
}

std::string excerpt(std::string_view text)
{
    // Inside quotes, a quote from the input must not end the quotation.
    std::string out = "'";
    for (char c : escape_excerpt(text)) {
        out += c == '\'' ? std::string("\\x27") : std::string(1, c);
    }
    return out + "'";
}

} // namespace raftescort::transport::http
