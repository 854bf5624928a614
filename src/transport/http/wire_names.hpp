#pragma once

// The names that appear on the wire: JSON field names and the spellings of
// enum values. They are a contract between nodes of different builds, so
// they live in one place and are spelled out rather than derived from the
// core's display names (vote_refusal_name() returns "stale log" with a space,
// which is for people, not for peers).

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>

#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

namespace raftescort::transport::http::wire {

// Envelope fields.
inline constexpr std::string_view k_cluster = "cluster";
inline constexpr std::string_view k_type = "type";
inline constexpr std::string_view k_from = "from";
inline constexpr std::string_view k_to = "to";
inline constexpr std::string_view k_term = "term";
inline constexpr std::string_view k_index = "index";
inline constexpr std::string_view k_log_term = "log_term";
inline constexpr std::string_view k_commit = "commit";
inline constexpr std::string_view k_entries = "entries";
inline constexpr std::string_view k_reject = "reject";
inline constexpr std::string_view k_conflict_index = "conflict_index";
inline constexpr std::string_view k_conflict_term = "conflict_term";
inline constexpr std::string_view k_refusal = "refusal";
inline constexpr std::string_view k_transfer = "transfer";
inline constexpr std::string_view k_read_round = "read_round";
inline constexpr std::string_view k_snapshot = "snapshot";
inline constexpr std::string_view k_chunk_offset = "chunk_offset";
inline constexpr std::string_view k_chunk_data = "chunk_data";
inline constexpr std::string_view k_chunk_last = "chunk_last";

// Entry fields ("term", "index" and "type" are shared with the envelope).
inline constexpr std::string_view k_data = "data";

// Snapshot metadata fields ("index" and "term" are shared).
inline constexpr std::string_view k_voters = "voters";
inline constexpr std::string_view k_learners = "learners";

inline constexpr std::string_view k_envelope_fields[] = {
    k_cluster,        k_type,          k_from,       k_to,         k_term,
    k_index,          k_log_term,      k_commit,     k_entries,    k_reject,
    k_conflict_index, k_conflict_term, k_refusal,    k_transfer,   k_read_round,
    k_snapshot,       k_chunk_offset,  k_chunk_data, k_chunk_last,
};
inline constexpr std::string_view k_entry_fields[] = {k_term, k_index, k_type, k_data};
inline constexpr std::string_view k_snapshot_fields[] = {k_index, k_term, k_voters, k_learners};

/// Most members any object of the format has; the parser refuses objects
/// with more before looking at their names.
inline constexpr std::size_t k_object_members_max = std::size(k_envelope_fields);

std::string_view message_type_name(raft::MessageType type);
std::optional<raft::MessageType> parse_message_type(std::string_view name);

std::string_view entry_type_name(raft::EntryType type);
std::optional<raft::EntryType> parse_entry_type(std::string_view name);

std::string_view vote_refusal_name(raft::VoteRefusal refusal);
std::optional<raft::VoteRefusal> parse_vote_refusal(std::string_view name);

} // namespace raftescort::transport::http::wire
