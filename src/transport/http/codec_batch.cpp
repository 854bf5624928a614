// Batch bodies: envelopes joined by '\n' (include/raftescort/transport/codec.hpp).

#include <raftescort/transport/codec.hpp>

#include <raftescort/util/assert.hpp>

#include <string>
#include <utility>

namespace raftescort::transport {

void append_to_batch(std::string& body, std::string_view encoded)
{
    RE_ASSERT(!encoded.empty());
    RE_ASSERT(encoded.find('\n') == std::string_view::npos);
    if (!body.empty()) {
        body.push_back('\n');
    }
    body += encoded;
}

util::Result<std::vector<Envelope>> decode_batch(std::string_view body, const DecodeLimits& limits)
{
    RE_ASSERT(limits.batch_messages_max > 0);
    if (!body.empty() && body.back() == '\n') {
        body.remove_suffix(1);
    }
    if (body.empty()) {
        return util::make_error(util::ErrorCode::invalid_argument, "empty body");
    }
    // Counted before anything is parsed, so an oversized batch costs a scan.
    std::size_t count = 1;
    for (char c : body) {
        count += c == '\n' ? 1 : 0;
    }
    if (count > limits.batch_messages_max) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                std::to_string(count) + " messages in one body; at most "
                                    + std::to_string(limits.batch_messages_max));
    }
    std::vector<Envelope> envelopes;
    envelopes.reserve(count);
    while (true) {
        std::size_t end = body.find('\n');
        std::string_view line = body.substr(0, end);
        util::Result<Envelope> decoded = decode_envelope(line, limits);
        if (!decoded.ok()) {
            std::string where = count == 1 ? std::string()
                                           : "message " + std::to_string(envelopes.size() + 1)
                                                 + ": ";
            return util::make_error(decoded.error().code, where + decoded.error().message);
        }
        envelopes.push_back(std::move(decoded.value()));
        if (end == std::string_view::npos) {
            break;
        }
        body.remove_prefix(end + 1);
    }
    RE_ASSERT(envelopes.size() == count);
    return envelopes;
}

} // namespace raftescort::transport
