#pragma once

// The IDENTITY file that binds a data directory to one cluster and node, and
// the checks open() makes before it touches anything else in the directory.

#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace raftescort::store {

inline constexpr std::string_view k_identity_file_name = "IDENTITY";
inline constexpr std::string_view k_wal_directory_name = "wal";
inline constexpr std::string_view k_snapshot_directory_name = "snapshot";
inline constexpr std::uint32_t k_identity_format_version = 1;

/// A cluster id is 1..128 printable characters without spaces, so the
/// identity file stays one value per line.
util::Status validate_identity(const Identity& identity);

std::string encode_identity(const Identity& identity);
util::Result<Identity> decode_identity(std::string_view bytes);

/// Makes `directory` a data directory of `identity`: creates it (with wal/,
/// snapshot/ and, last, IDENTITY) when missing or empty; accepts it when its
/// IDENTITY matches; refuses another identity or a non-empty directory
/// without IDENTITY.
util::Status prepare_data_directory(const std::string& directory, const Identity& identity,
                                    std::uint64_t& fsync_count);

} // namespace raftescort::store
