#pragma once

// Helpers for the codec tests: field-by-field message equality (Message
// has no operator==) and a seeded generator of random valid envelopes.

#include <raftescort/transport/codec.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace codec_test {

namespace raft = raftescort::raft;
namespace transport = raftescort::transport;
using raftescort::util::Rng;

inline bool same_message(const raft::Message& a, const raft::Message& b)
{
    return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term
           && a.index == b.index && a.log_term == b.log_term && a.entries == b.entries
           && a.commit == b.commit && a.reject == b.reject && a.conflict_index == b.conflict_index
           && a.conflict_term == b.conflict_term && a.refusal == b.refusal
           && a.transfer == b.transfer && a.read_round == b.read_round
           && a.snapshot_metadata == b.snapshot_metadata && a.chunk_offset == b.chunk_offset
           && a.chunk_data == b.chunk_data && a.chunk_last == b.chunk_last;
}

inline bool same_envelope(const transport::Envelope& a, const transport::Envelope& b)
{
    return a.cluster_id == b.cluster_id && same_message(a.message, b.message);
}

constexpr std::uint64_t k_u64_max = std::numeric_limits<std::uint64_t>::max();

/// Mostly small numbers, sometimes the edges of the range: 0, 2^64 - 1.
inline std::uint64_t random_u64(Rng& rng)
{
    switch (rng.uniform(6)) {
    case 0: return 0;
    case 1: return k_u64_max;
    case 2: return rng.next();
    default: return rng.between(1, 1000);
    }
}

inline std::string random_bytes(Rng& rng, std::size_t length_max)
{
    std::string bytes(rng.uniform(length_max + 1), '\0');
    for (char& c : bytes) {
        c = static_cast<char>(rng.uniform(256));
    }
    return bytes;
}

inline std::string random_cluster_id(Rng& rng)
{
    std::string id(rng.between(1, transport::k_cluster_id_bytes_max), 'x');
    for (char& c : id) {
        c = static_cast<char>(rng.between('!', '~'));
    }
    return id;
}

inline std::set<raft::NodeId> random_node_ids(Rng& rng, std::set<raft::NodeId> excluded)
{
    std::set<raft::NodeId> ids;
    std::uint64_t count = rng.uniform(6);
    for (std::uint64_t i = 0; i < count; ++i) {
        raft::NodeId id{rng.chance(0.1) ? rng.between(1, k_u64_max) : rng.between(1, 9)};
        if (excluded.count(id) == 0) {
            ids.insert(id);
        }
    }
    return ids;
}

/// A contiguous run after message.index with non-decreasing terms in
/// [1, message.term], as a leader sends (Raft §5.3).
inline void add_random_entries(Rng& rng, raft::Message& message)
{
    if (message.term.value == 0) {
        return;
    }
    std::uint64_t count = rng.uniform(10);
    if (message.index.value > k_u64_max - count) {
        message.index = raft::Index{k_u64_max - count};
    }
    raft::Term term{rng.between(1, message.term.value)};
    for (std::uint64_t i = 0; i < count; ++i) {
        if (rng.chance(0.3) && term < message.term) {
            term = raft::Term{rng.between(term.value, message.term.value)};
        }
        raft::Entry entry{term, raft::Index{message.index.value + 1 + i},
                          static_cast<raft::EntryType>(rng.uniform(3)), random_bytes(rng, 64)};
        message.entries.push_back(std::move(entry));
    }
}

/// A random message of `type` that decode_envelope() accepts. Fields a type
/// does not use are filled too: the codec carries whatever it is given.
inline raft::Message random_message(Rng& rng, raft::MessageType type)
{
    raft::Message message;
    message.type = type;
    message.from = raft::NodeId{rng.between(1, rng.chance(0.1) ? k_u64_max : 9)};
    do {
        message.to = raft::NodeId{rng.between(1, rng.chance(0.1) ? k_u64_max : 9)};
    } while (message.to == message.from);
    message.term = raft::Term{random_u64(rng)};
    message.index = raft::Index{random_u64(rng)};
    message.log_term = raft::Term{random_u64(rng)};
    message.commit = raft::Index{random_u64(rng)};
    message.reject = rng.chance(0.5);
    message.conflict_index = raft::Index{random_u64(rng)};
    message.conflict_term = raft::Term{random_u64(rng)};
    message.refusal = static_cast<raft::VoteRefusal>(rng.uniform(6));
    message.transfer = rng.chance(0.5);
    message.read_round = random_u64(rng);
    if (type == raft::MessageType::append) {
        add_random_entries(rng, message);
    }
    if (rng.chance(0.5)) {
        raft::SnapshotMetadata& metadata = message.snapshot_metadata;
        metadata.index = raft::Index{random_u64(rng)};
        metadata.term = raft::Term{random_u64(rng)};
        metadata.conf.voters = random_node_ids(rng, {});
        metadata.conf.learners = random_node_ids(rng, metadata.conf.voters);
    }
    message.chunk_data = random_bytes(rng, 200);
    message.chunk_offset = random_u64(rng);
    if (message.chunk_offset > k_u64_max - message.chunk_data.size()) {
        message.chunk_offset = k_u64_max - message.chunk_data.size();
    }
    message.chunk_last = rng.chance(0.5);
    return message;
}

inline transport::Envelope random_envelope(Rng& rng)
{
    auto type = static_cast<raft::MessageType>(rng.uniform(11));
    return transport::Envelope{random_cluster_id(rng), random_message(rng, type)};
}

} // namespace codec_test
