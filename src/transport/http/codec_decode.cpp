// Decoding of node-to-node messages; the format is described in
// include/raftescort/transport/codec.hpp.
//
// Decoding runs in three stages, cheapest first: the body size; a bounded
// parse (bounded_json.cpp: depth, string sizes, element counts, duplicate
// keys and non-integer numbers are refused while the text is read); then
// the fields of the parsed object, one by one, with the Raft rules a
// well-behaved sender always satisfies.
//
// Unknown fields are refused rather than ignored. A field added later can
// change what a message means (a flag that makes an append conditional,
// say); a node that silently dropped it would act on a message it did not
// understand, which in a consensus protocol is a safety bug, not a
// compatibility feature. Refusal makes version skew loud instead. A rolling
// upgrade that adds a field must therefore ship the decoder first and turn
// the field on only once every node runs it, the way etcd gates features on
// the cluster version.

#include <raftescort/transport/codec.hpp>

#include "transport/http/base64.hpp"
#include "transport/http/bounded_json.hpp"
#include "transport/http/error_text.hpp"
#include "transport/http/wire_names.hpp"

#include <raftescort/util/assert.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

namespace raftescort::transport {
namespace {

using nlohmann::json;
namespace wire = http::wire;

constexpr std::uint64_t k_u64_max = std::numeric_limits<std::uint64_t>::max();

/// Values a valid message can hold per entry (the entry object, its four
/// members, and one voter and one learner) plus a margin for the envelope;
/// the parser refuses documents with more values than this allows.
constexpr std::size_t k_values_per_entry_max = 8;
constexpr std::size_t k_values_fixed_max = 64;

util::Error decode_error(const std::string& what)
{
    return util::make_error(util::ErrorCode::invalid_argument, "envelope: " + what);
}

/// "entries[3].term" from "entries[3]" and "term"; field names are ours,
/// never the input's, except where quoted through excerpt().
std::string field_path(std::string_view prefix, std::string_view name)
{
    std::string path(prefix);
    if (!path.empty()) {
        path += '.';
    }
    path += name;
    return path;
}

util::Status check_known_fields(const json& object, std::span<const std::string_view> known,
                                std::string_view prefix)
{
    for (const auto& member : object.items()) {
        bool found = false;
        for (std::string_view name : known) {
            found = found || member.key() == name;
        }
        if (!found) {
            std::string where =
                prefix.empty() ? std::string{} : " in '" + std::string(prefix) + "'";
            return decode_error("unknown field " + http::excerpt(member.key()) + where);
        }
    }
    return util::Ok{};
}

/// The member `name` of `object`, or nullptr when absent (and not required).
util::Result<const json*> find_field(const json& object, std::string_view name,
                                     std::string_view prefix, bool required)
{
    auto it = object.find(std::string(name));
    if (it == object.end()) {
        if (required) {
            return decode_error("missing required field '" + field_path(prefix, name) + "'");
        }
        return static_cast<const json*>(nullptr);
    }
    return &*it;
}

util::Error wrong_type(std::string_view prefix, std::string_view name, const char* expected,
                       const json& value)
{
    return decode_error("field '" + field_path(prefix, name) + "' must be " + expected + ", got "
                        + value.type_name());
}

util::Result<std::uint64_t> read_u64(const json& object, std::string_view name,
                                     std::string_view prefix, bool required = false)
{
    RE_TRY(field, find_field(object, name, prefix, required));
    if (field == nullptr) {
        return std::uint64_t{0};
    }
    // The parser already refused negative and non-integer numbers; this
    // catches the other JSON types.
    if (!field->is_number_unsigned()) {
        return wrong_type(prefix, name, "an unsigned integer", *field);
    }
    return field->get<std::uint64_t>();
}

util::Result<bool> read_bool(const json& object, std::string_view name)
{
    RE_TRY(field, find_field(object, name, {}, false));
    if (field == nullptr) {
        return false;
    }
    if (!field->is_boolean()) {
        return wrong_type({}, name, "true or false", *field);
    }
    return field->get<bool>();
}

util::Result<std::string> read_string(const json& object, std::string_view name,
                                      std::string_view prefix, bool required = false)
{
    RE_TRY(field, find_field(object, name, prefix, required));
    if (field == nullptr) {
        return std::string{};
    }
    if (!field->is_string()) {
        return wrong_type(prefix, name, "a string", *field);
    }
    return field->get<std::string>();
}

/// A name from a fixed set (entry type, refusal), or nullopt when absent.
/// Absent means the default; an empty string is not absent, and is refused
/// by the caller like any other unknown name.
util::Result<std::optional<std::string>> read_name(const json& object, std::string_view name,
                                                   std::string_view prefix)
{
    RE_TRY(field, find_field(object, name, prefix, false));
    if (field == nullptr) {
        return std::optional<std::string>{};
    }
    if (!field->is_string()) {
        return wrong_type(prefix, name, "a string", *field);
    }
    return std::optional<std::string>{field->get<std::string>()};
}

/// Arbitrary bytes, carried as base64 in a string.
util::Result<std::string> read_bytes(const json& object, std::string_view name,
                                     std::string_view prefix)
{
    RE_TRY(text, read_string(object, name, prefix));
    util::Result<std::string> bytes = http::base64_decode(text);
    if (!bytes.ok()) {
        return decode_error("field '" + field_path(prefix, name) + "': " + bytes.error().message);
    }
    return std::move(bytes.value());
}

util::Result<raft::Entry> decode_entry(const json& value, const std::string& prefix)
{
    if (!value.is_object()) {
        return decode_error("'" + prefix + "' must be an object, got " + value.type_name());
    }
    if (util::Status known = check_known_fields(value, wire::k_entry_fields, prefix); !known.ok()) {
        return known.error();
    }
    raft::Entry entry;
    RE_TRY(term, read_u64(value, wire::k_term, prefix, true));
    RE_TRY(index, read_u64(value, wire::k_index, prefix, true));
    RE_TRY(type_name, read_name(value, wire::k_type, prefix));
    entry.term = raft::Term{term};
    entry.index = raft::Index{index};
    if (type_name) {
        std::optional<raft::EntryType> type = wire::parse_entry_type(*type_name);
        if (!type) {
            return decode_error("field '" + field_path(prefix, wire::k_type)
                                + "' is not an entry type: " + http::excerpt(*type_name));
        }
        entry.type = *type;
    }
    RE_TRY(data, read_bytes(value, wire::k_data, prefix));
    entry.data = std::move(data);
    return entry;
}

/// Raft's log matching (§5.3) lets a follower append only a run of entries
/// that starts right after (index, log_term), numbered without gaps, with
/// terms that never decrease and never exceed the leader's term.
util::Status check_entry_order(const raft::Message& message, const raft::Entry& entry,
                               std::size_t position, const std::string& prefix)
{
    std::uint64_t expected_index = message.index.value + 1 + position;
    if (entry.index.value != expected_index) {
        return decode_error("field '" + field_path(prefix, wire::k_index) + "' is "
                            + std::to_string(entry.index.value) + ", expected "
                            + std::to_string(expected_index) + " (entries must be contiguous)");
    }
    if (entry.term.value == 0) {
        return decode_error("field '" + field_path(prefix, wire::k_term) + "' must be positive");
    }
    if (entry.term > message.term) {
        return decode_error("field '" + field_path(prefix, wire::k_term)
                            + "' is above the message term");
    }
    if (position > 0 && entry.term < message.entries.back().term) {
        return decode_error("field '" + field_path(prefix, wire::k_term)
                            + "' is below the previous entry's term");
    }
    return util::Ok{};
}

util::Status decode_entries(const json& root, raft::Message& message, const DecodeLimits& limits)
{
    RE_TRY(field, find_field(root, wire::k_entries, {}, false));
    if (field == nullptr) {
        return util::Ok{};
    }
    if (!field->is_array()) {
        return wrong_type({}, wire::k_entries, "an array", *field);
    }
    if (field->empty()) {
        return util::Ok{};
    }
    if (message.type != raft::MessageType::append) {
        return decode_error("field 'entries' is only allowed in an append");
    }
    // The parser bounds every array by entries_max; check the field itself too.
    RE_ASSERT(field->size() <= limits.entries_max);
    if (message.index.value > k_u64_max - field->size()) {
        return decode_error("field 'index' leaves no room for the entries after it");
    }
    message.entries.reserve(field->size());
    for (std::size_t position = 0; position < field->size(); ++position) {
        std::string prefix = "entries[" + std::to_string(position) + "]";
        RE_TRY(entry, decode_entry((*field)[position], prefix));
        if (util::Status ordered = check_entry_order(message, entry, position, prefix);
            !ordered.ok()) {
            return ordered.error();
        }
        message.entries.push_back(std::move(entry));
    }
    return util::Ok{};
}

util::Result<std::set<raft::NodeId>> read_node_ids(const json& object, std::string_view name)
{
    std::string path = field_path(wire::k_snapshot, name);
    RE_TRY(field, find_field(object, name, wire::k_snapshot, false));
    std::set<raft::NodeId> ids;
    if (field == nullptr) {
        return ids;
    }
    if (!field->is_array()) {
        return wrong_type(wire::k_snapshot, name, "an array", *field);
    }
    for (std::size_t position = 0; position < field->size(); ++position) {
        const json& value = (*field)[position];
        std::string where = "'" + path + "[" + std::to_string(position) + "]'";
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) {
            return decode_error(where + " must be a node id (a positive integer)");
        }
        if (!ids.insert(raft::NodeId{value.get<std::uint64_t>()}).second) {
            return decode_error(where + " repeats a node id");
        }
    }
    return ids;
}

util::Status decode_snapshot(const json& root, raft::Message& message)
{
    RE_TRY(field, find_field(root, wire::k_snapshot, {}, false));
    if (field == nullptr) {
        return util::Ok{};
    }
    if (!field->is_object()) {
        return wrong_type({}, wire::k_snapshot, "an object", *field);
    }
    if (util::Status known = check_known_fields(*field, wire::k_snapshot_fields, wire::k_snapshot);
        !known.ok()) {
        return known.error();
    }
    raft::SnapshotMetadata& metadata = message.snapshot_metadata;
    RE_TRY(index, read_u64(*field, wire::k_index, wire::k_snapshot, true));
    RE_TRY(term, read_u64(*field, wire::k_term, wire::k_snapshot, true));
    RE_TRY(voters, read_node_ids(*field, wire::k_voters));
    RE_TRY(learners, read_node_ids(*field, wire::k_learners));
    for (raft::NodeId learner : learners) {
        // A node is a voter or a learner, never both (ConfState).
        if (voters.count(learner) > 0) {
            return decode_error("node " + std::to_string(learner.value)
                                + " is in both 'snapshot.voters' and 'snapshot.learners'");
        }
    }
    metadata.index = raft::Index{index};
    metadata.term = raft::Term{term};
    metadata.conf.voters = std::move(voters);
    metadata.conf.learners = std::move(learners);
    return util::Ok{};
}

/// cluster, type, from, to, term: present in every message.
util::Status decode_header(const json& root, Envelope& envelope)
{
    RE_TRY(cluster, read_string(root, wire::k_cluster, {}, true));
    if (!is_valid_cluster_id(cluster)) {
        return decode_error("field 'cluster' is not a valid cluster id: " + http::excerpt(cluster));
    }
    envelope.cluster_id = std::move(cluster);
    RE_TRY(type_name, read_string(root, wire::k_type, {}, true));
    std::optional<raft::MessageType> type = wire::parse_message_type(type_name);
    if (!type) {
        return decode_error("field 'type' is not a message type: " + http::excerpt(type_name));
    }
    raft::Message& message = envelope.message;
    message.type = *type;
    RE_TRY(from, read_u64(root, wire::k_from, {}, true));
    RE_TRY(to, read_u64(root, wire::k_to, {}, true));
    RE_TRY(term, read_u64(root, wire::k_term, {}, true));
    // Node id 0 means "none" in the core; no node has it.
    if (from == 0) {
        return decode_error("field 'from' must be a node id (a positive integer)");
    }
    if (to == 0) {
        return decode_error("field 'to' must be a node id (a positive integer)");
    }
    // Nodes never send to themselves over the network; such a body is
    // forged or misrouted.
    if (from == to) {
        return decode_error("fields 'from' and 'to' must differ");
    }
    message.from = raft::NodeId{from};
    message.to = raft::NodeId{to};
    message.term = raft::Term{term};
    return util::Ok{};
}

util::Status decode_scalars(const json& root, raft::Message& message)
{
    RE_TRY(index, read_u64(root, wire::k_index, {}));
    RE_TRY(log_term, read_u64(root, wire::k_log_term, {}));
    RE_TRY(commit, read_u64(root, wire::k_commit, {}));
    RE_TRY(reject, read_bool(root, wire::k_reject));
    RE_TRY(conflict_index, read_u64(root, wire::k_conflict_index, {}));
    RE_TRY(conflict_term, read_u64(root, wire::k_conflict_term, {}));
    RE_TRY(refusal_name, read_name(root, wire::k_refusal, {}));
    RE_TRY(transfer, read_bool(root, wire::k_transfer));
    RE_TRY(read_round, read_u64(root, wire::k_read_round, {}));
    message.index = raft::Index{index};
    message.log_term = raft::Term{log_term};
    message.commit = raft::Index{commit};
    message.reject = reject;
    message.conflict_index = raft::Index{conflict_index};
    message.conflict_term = raft::Term{conflict_term};
    message.transfer = transfer;
    message.read_round = read_round;
    if (refusal_name) {
        std::optional<raft::VoteRefusal> refusal = wire::parse_vote_refusal(*refusal_name);
        if (!refusal) {
            return decode_error("field 'refusal' is not a vote refusal: "
                                + http::excerpt(*refusal_name));
        }
        message.refusal = *refusal;
    }
    return util::Ok{};
}

util::Status decode_chunk(const json& root, raft::Message& message)
{
    RE_TRY(offset, read_u64(root, wire::k_chunk_offset, {}));
    RE_TRY(data, read_bytes(root, wire::k_chunk_data, {}));
    RE_TRY(last, read_bool(root, wire::k_chunk_last));
    // The receiver computes offset + size; it must not wrap.
    if (offset > k_u64_max - data.size()) {
        return decode_error("field 'chunk_offset' plus the chunk size exceeds 2^64");
    }
    message.chunk_offset = offset;
    message.chunk_data = std::move(data);
    message.chunk_last = last;
    return util::Ok{};
}

util::Result<nlohmann::json> parse_body(std::string_view body, const DecodeLimits& limits)
{
    // Size first: nothing else is worth doing for a body that is too large.
    if (body.empty()) {
        return decode_error("body is empty");
    }
    if (body.size() > limits.body_bytes_max) {
        return decode_error("body of " + std::to_string(body.size())
                            + " bytes exceeds the limit of "
                            + std::to_string(limits.body_bytes_max));
    }
    http::JsonLimits json_limits;
    json_limits.nesting_depth_max = limits.nesting_depth_max;
    json_limits.string_bytes_max = limits.string_bytes_max;
    json_limits.array_elements_max = limits.entries_max;
    json_limits.object_members_max = wire::k_object_members_max;
    json_limits.values_max = limits.entries_max * k_values_per_entry_max + k_values_fixed_max;
    util::Result<json> parsed = http::parse_bounded_json(body, json_limits);
    if (!parsed.ok()) {
        return decode_error(parsed.error().message);
    }
    if (!parsed.value().is_object()) {
        return decode_error(std::string("body must be a JSON object, got ")
                            + parsed.value().type_name());
    }
    return std::move(parsed.value());
}

util::Result<Envelope> decode_parsed(const json& root, const DecodeLimits& limits)
{
    if (util::Status known = check_known_fields(root, wire::k_envelope_fields, {}); !known.ok()) {
        return known.error();
    }
    Envelope envelope;
    if (util::Status header = decode_header(root, envelope); !header.ok()) {
        return header.error();
    }
    if (util::Status scalars = decode_scalars(root, envelope.message); !scalars.ok()) {
        return scalars.error();
    }
    // After the scalars: entries are checked against index and term.
    if (util::Status entries = decode_entries(root, envelope.message, limits); !entries.ok()) {
        return entries.error();
    }
    if (util::Status snapshot = decode_snapshot(root, envelope.message); !snapshot.ok()) {
        return snapshot.error();
    }
    if (util::Status chunk = decode_chunk(root, envelope.message); !chunk.ok()) {
        return chunk.error();
    }
    return envelope;
}

} // namespace

util::Result<Envelope> decode_envelope(std::string_view body, const DecodeLimits& limits)
{
    RE_ASSERT(limits.nesting_depth_max >= k_nesting_depth_needed);
    RE_ASSERT(limits.entries_max > 0);
    RE_ASSERT(limits.body_bytes_max > 0);
    try {
        RE_TRY(root, parse_body(body, limits));
        return decode_parsed(root, limits);
    } catch (const nlohmann::json::exception& exception) {
        // Every access above is type-checked first, so this is a safety
        // net: whatever nlohmann throws must become a 400, not a crash.
        return decode_error("unexpected JSON error: " + http::excerpt(exception.what()));
    }
}

} // namespace raftescort::transport
