// A fuzzing entry point for the message decoder; see fuzz_entry.hpp.

#include "transport/http/fuzz_entry.hpp"

#include <raftescort/transport/codec.hpp>

namespace raftescort::transport::http {

util::Status decode_for_fuzzing(std::string_view bytes)
{
    util::Result<Envelope> decoded = decode_envelope(bytes);
    if (!decoded.ok()) {
        return decoded.error();
    }
    // Whatever the decoder accepts must satisfy the encoder's preconditions
    // (its RE_ASSERTs fire otherwise) and decode again to a success: the
    // checks on both sides agree.
    util::Result<Envelope> again = decode_envelope(encode_envelope(decoded.value()));
    RE_ASSERT(again.ok());
    return util::Ok{};
}

} // namespace raftescort::transport::http
