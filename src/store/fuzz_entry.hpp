#pragma once

// Entry point for fuzzing recovery: the lead wraps it in a libFuzzer target
// (LLVMFuzzerTestOneInput calls it with the input as `bytes`).

#include <raftescort/util/result.hpp>

#include <string>

namespace raftescort::store {

/// Writes `bytes` as the only WAL segment of a fresh temporary data
/// directory (with a valid IDENTITY), runs DiskStorage::open() on it and
/// returns open()'s status; the directory is deleted afterwards. Whatever
/// the bytes, recovery must return (ok or an error), never crash or read
/// out of bounds.
util::Status recover_segment_bytes_for_fuzzing(const std::string& bytes);

} // namespace raftescort::store
