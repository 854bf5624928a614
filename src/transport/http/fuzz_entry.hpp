#pragma once

// Entry point for fuzzing the message decoder: the lead wraps it in a
// libFuzzer target (LLVMFuzzerTestOneInput calls it with the input).

#include <raftescort/util/result.hpp>

#include <string_view>

namespace raftescort::transport::http {

/// Runs decode_envelope() on `bytes` with the default limits and returns
/// only its status. Whatever the bytes, it must return, never crash, throw
/// or read out of bounds; a decoded envelope must encode again.
util::Status decode_for_fuzzing(std::string_view bytes);

} // namespace raftescort::transport::http
