// libFuzzer target: arbitrary bytes as what a client sends to a raftescort
// server. They go through every decoder a request meets before a handler:
// the head scanner (fed in pieces whose size the input picks, as a slow or
// fast client would send them), the head parser, the query and path
// decoders, and the Raft message decoder that reads a peer's body. Each must
// refuse or accept; none may crash, throw or read out of bounds (built with
// AddressSanitizer and UBSan by scripts/fuzz-http).

#include "transport/http/fuzz_entry.hpp"
#include "transport/http/request_head.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace http = raftescort::transport::http;

namespace {

void decode_request(std::string_view bytes, std::size_t piece_bytes)
{
    http::HeadLimits limits;
    limits.head_bytes_max = 4096;
    limits.request_line_bytes_max = 1024;
    limits.header_line_bytes_max = 512;
    limits.header_count_max = 16;
    http::HeadScanner scanner;
    http::HeadScanner::State state = http::HeadScanner::State::incomplete;
    std::size_t fed = 0;
    while (state == http::HeadScanner::State::incomplete && fed < bytes.size()) {
        fed = std::min(bytes.size(), fed + piece_bytes);
        state = scanner.scan(bytes.substr(0, fed), limits);
    }
    if (state == http::HeadScanner::State::refused) {
        RE_ASSERT(scanner.error().status >= 400 && scanner.error().status < 500);
        return;
    }
    if (state != http::HeadScanner::State::complete) {
        return;
    }
    RE_ASSERT(scanner.head_bytes() <= fed);
    RE_ASSERT(scanner.head_bytes() <= limits.head_bytes_max);
    http::HeadError error;
    std::optional<http::RequestHead> head =
        http::parse_head(bytes.substr(0, scanner.head_bytes()), limits, error);
    if (!head) {
        RE_ASSERT(error.status >= 400 && error.status < 600);
        RE_ASSERT(!error.message.empty());
        return;
    }
    // What the parser accepts is what the router and handlers rely on.
    RE_ASSERT(!head->path.empty() && head->path.front() == '/');
    RE_ASSERT(head->path.find('\0') == std::string::npos);
    RE_ASSERT(head->version == "HTTP/1.1" || head->version == "HTTP/1.0");
    RE_ASSERT(head->headers.size() <= limits.header_count_max);
    std::optional<httplib::Params> params = http::parse_query(head->query);
    if (params) {
        for (const auto& [key, value] : *params) {
            RE_ASSERT(key.find('\0') == std::string::npos);
            RE_ASSERT(value.find('\0') == std::string::npos);
        }
    }
    // The body of a Raft message, as the peer endpoint would decode it.
    (void)http::decode_for_fuzzing(bytes.substr(scanner.head_bytes()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    // The first byte picks how the rest arrives: 1 to 64 bytes at a time.
    std::size_t piece_bytes = 1 + data[0] % 64;
    std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    decode_request(bytes, piece_bytes);
    (void)http::decode_for_fuzzing(bytes);
    return 0;
}
