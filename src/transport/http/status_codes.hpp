#pragma once

// The HTTP statuses the Raft endpoint answers and its senders read, named
// once for both sides.

namespace raftescort::transport::http::status {

inline constexpr int k_ok = 200;
inline constexpr int k_no_content = 204;
inline constexpr int k_bad_request = 400;
inline constexpr int k_forbidden = 403;
inline constexpr int k_conflict = 409;
inline constexpr int k_payload_too_large = 413;
inline constexpr int k_internal_error = 500;
inline constexpr int k_unavailable = 503;

} // namespace raftescort::transport::http::status
