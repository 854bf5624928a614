#pragma once

// The snapshot file format and names. A snapshot file is
//
//   u64 magic | u32 format version | u64 index | u64 term
//   | u32 voter count | u64 voter... | u32 learner count | u64 learner...
//   | u64 data length | data | u32 CRC32C over everything before it
//
// little-endian, named "<index>-<term>.snap" (both zero-padded).

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace raftescort::store {

inline constexpr std::uint64_t k_snapshot_magic = 0x00504E5343534552ULL; // "RESCSNP"
inline constexpr std::uint32_t k_snapshot_format_version = 1;
/// More members than this in a ConfState read from disk is corruption.
inline constexpr std::uint32_t k_snapshot_members_max = 1U << 16;

struct SnapshotName {
    raft::Index index;
    raft::Term term;
};

std::string snapshot_file_name(const SnapshotName& name);
std::optional<SnapshotName> parse_snapshot_file_name(std::string_view file_name);

std::string encode_snapshot_file(const raft::Snapshot& snapshot);
/// Fails (code corrupt) with the reason if the bytes are not a whole, valid
/// snapshot file.
util::Result<raft::Snapshot> decode_snapshot_file(std::string_view bytes);

} // namespace raftescort::store
