#pragma once

// The cluster id names a cluster in data directories (IDENTITY), on the wire
// (every node-to-node message) and in Redis keys; one rule for all three.

#include <cstddef>
#include <string_view>

namespace raftescort::util {

inline constexpr std::size_t k_cluster_id_bytes_max = 128;

/// 1..k_cluster_id_bytes_max printable ASCII characters, no spaces: safe in
/// JSON, logs, file contents and key names.
inline bool is_valid_cluster_id(std::string_view cluster_id)
{
    if (cluster_id.empty() || cluster_id.size() > k_cluster_id_bytes_max) {
        return false;
    }
    for (char c : cluster_id) {
        if (c <= ' ' || c >= 0x7F) {
            return false;
        }
    }
    return true;
}

} // namespace raftescort::util
