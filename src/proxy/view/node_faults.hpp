#pragma once

// The faults a node reports in force (its GET /status "faults", made by
// chaos::active_faults_json) and the timing it runs with (its "timing"), as
// the proxy passes them on in /nodes and the dashboard's status events.
// A node's answer is trusted no further than any peer's: each is copied
// field by field, bounded, and a field of the wrong type is left out, so a
// node of another version (new kinds, new fields) or a broken one can never
// make the proxy's answers large or throw.

#include <nlohmann/json.hpp>

#include <cstddef>

namespace raftescort::proxy {

/// More than a node could sensibly have in force at once; the rest are cut.
inline constexpr std::size_t k_node_faults_max = 16;
/// A fault's peers, as the node's own limit (chaos::k_fault_peers_max).
inline constexpr std::size_t k_node_fault_peers_max = 64;
inline constexpr std::size_t k_node_fault_text_chars_max = 160;
inline constexpr std::size_t k_node_fault_kind_chars_max = 24;

/// The node's "faults": a list of at most k_node_faults_max objects, each
/// {"kind", and any of "for_ms", "since_ms", "remaining_ms", "peers",
/// "direction", "delay_ms", "jitter_ms", "rate", "description", "by"}. An
/// item without a kind that reads as a word is skipped; anything but a list
/// gives []. Never throws.
nlohmann::json node_faults_from_status(const nlohmann::json& status);

/// The node's "timing": {"heartbeat_ms", "election_timeout_ms",
/// "step_interval_ms"}, each kept only as a non-negative integer, and
/// {"pre_vote", "check_quorum"}, kept only as booleans; null when
/// the node reports none of them (nodes older than the timing command).
/// Never throws.
nlohmann::json node_timing_from_status(const nlohmann::json& status);

} // namespace raftescort::proxy
