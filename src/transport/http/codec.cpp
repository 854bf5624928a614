// Encoding of node-to-node messages; the format is described in
// include/raftescort/transport/codec.hpp, decoding is in codec_decode.cpp.

#include <raftescort/transport/codec.hpp>

#include "transport/http/base64.hpp"
#include "transport/http/wire_names.hpp"

#include <raftescort/util/assert.hpp>

#include <nlohmann/json.hpp>

namespace raftescort::transport {
namespace {

using http::base64_encode;
// Insertion order is kept so that bodies read naturally in traces:
// cluster, type, from, to, term first.
using ordered_json = nlohmann::ordered_json;

std::string to_key(std::string_view name) { return std::string(name); }

ordered_json encode_entry(const raft::Entry& entry)
{
    ordered_json out = ordered_json::object();
    out[to_key(http::wire::k_term)] = entry.term.value;
    out[to_key(http::wire::k_index)] = entry.index.value;
    if (entry.type != raft::EntryType::normal) {
        out[to_key(http::wire::k_type)] = std::string(http::wire::entry_type_name(entry.type));
    }
    if (!entry.data.empty()) {
        out[to_key(http::wire::k_data)] = base64_encode(entry.data);
    }
    return out;
}

ordered_json encode_node_ids(const std::set<raft::NodeId>& ids)
{
    ordered_json out = ordered_json::array();
    for (raft::NodeId id : ids) {
        out.push_back(id.value);
    }
    return out;
}

ordered_json encode_snapshot_metadata(const raft::SnapshotMetadata& metadata)
{
    ordered_json out = ordered_json::object();
    out[to_key(http::wire::k_index)] = metadata.index.value;
    out[to_key(http::wire::k_term)] = metadata.term.value;
    if (!metadata.conf.voters.empty()) {
        out[to_key(http::wire::k_voters)] = encode_node_ids(metadata.conf.voters);
    }
    if (!metadata.conf.learners.empty()) {
        out[to_key(http::wire::k_learners)] = encode_node_ids(metadata.conf.learners);
    }
    return out;
}

/// Sets `name` to `value` unless it is the type's default, which the
/// decoder restores when the field is absent: a heartbeat stays small.
template <typename T>
void put_unless_default(ordered_json& out, std::string_view name, const T& value)
{
    if (value != T{}) {
        out[to_key(name)] = value;
    }
}

void encode_optional_fields(const raft::Message& message, ordered_json& out)
{
    namespace wire = http::wire;
    put_unless_default(out, wire::k_index, message.index.value);
    put_unless_default(out, wire::k_log_term, message.log_term.value);
    put_unless_default(out, wire::k_commit, message.commit.value);
    if (!message.entries.empty()) {
        ordered_json entries = ordered_json::array();
        for (const raft::Entry& entry : message.entries) {
            entries.push_back(encode_entry(entry));
        }
        out[to_key(wire::k_entries)] = std::move(entries);
    }
    put_unless_default(out, wire::k_reject, message.reject);
    put_unless_default(out, wire::k_conflict_index, message.conflict_index.value);
    put_unless_default(out, wire::k_conflict_term, message.conflict_term.value);
    if (message.refusal != raft::VoteRefusal::none) {
        out[to_key(wire::k_refusal)] = std::string(wire::vote_refusal_name(message.refusal));
    }
    put_unless_default(out, wire::k_transfer, message.transfer);
    put_unless_default(out, wire::k_read_round, message.read_round);
    if (message.snapshot_metadata != raft::SnapshotMetadata{}) {
        out[to_key(wire::k_snapshot)] = encode_snapshot_metadata(message.snapshot_metadata);
    }
    put_unless_default(out, wire::k_chunk_offset, message.chunk_offset);
    if (!message.chunk_data.empty()) {
        out[to_key(wire::k_chunk_data)] = base64_encode(message.chunk_data);
    }
    put_unless_default(out, wire::k_chunk_last, message.chunk_last);
}

} // namespace

std::string encode_envelope(const Envelope& envelope)
{
    // The encoder is fed only by the local core and configuration; a bad
    // value here is a bug, and a peer would refuse the body anyway.
    RE_ASSERT(is_valid_cluster_id(envelope.cluster_id));
    const raft::Message& message = envelope.message;
    RE_ASSERT(message.from != raft::k_no_node);
    RE_ASSERT(message.to != raft::k_no_node);
    if (!message.entries.empty()) {
        RE_ASSERT(message.type == raft::MessageType::append);
    }

    namespace wire = http::wire;
    ordered_json out = ordered_json::object();
    out[to_key(wire::k_cluster)] = envelope.cluster_id;
    out[to_key(wire::k_type)] = std::string(wire::message_type_name(message.type));
    out[to_key(wire::k_from)] = message.from.value;
    out[to_key(wire::k_to)] = message.to.value;
    out[to_key(wire::k_term)] = message.term.value;
    encode_optional_fields(message, out);
    // Every string is ASCII (cluster id asserted, names, base64), so dump()
    // cannot meet invalid UTF-8 and throw.
    return out.dump();
}

} // namespace raftescort::transport
