#pragma once

// The wire format of node-to-node Raft messages: one JSON object per HTTP
// body. This is the pure encode/decode layer; the HTTP server and client
// call it. nlohmann-json stays out of this header so that users of the
// transport library do not inherit it.
//
// The field names below are an on-the-wire contract between nodes that may
// run different builds: renaming one breaks a rolling upgrade.
//
//   {"cluster": "prod", "type": "append", "from": 1, "to": 2, "term": 5,
//    "index": 10, "log_term": 4, "commit": 9,
//    "entries": [{"term": 5, "index": 11, "type": "normal", "data": "<base64>"}],
//    "reject": false, "conflict_index": 0, "conflict_term": 0, "refusal": "stale_log",
//    "transfer": false, "read_round": 0,
//    "snapshot": {"index": 10, "term": 4, "voters": [1, 2, 3], "learners": [4]},
//    "chunk_offset": 0, "chunk_data": "<base64>", "chunk_last": false}
//
// "cluster", "type", "from", "to" and "term" are always present; every other
// field is omitted by the encoder when it holds its default (0, false, empty,
// "none", "normal") and the decoder accepts it either present or absent.
// Entry data and snapshot chunks are arbitrary bytes, carried as padded
// standard base64 (RFC 4648 §4).
//
// A body may carry a batch: several envelopes, each encoded as above, joined
// by '\n'. The compact encoding never holds a raw newline (JSON escapes it
// inside strings), so a body of one envelope is a batch of one, and a sender
// that drains its queue into one request pays one round trip, not one per
// message.

#include <raftescort/raft/message.hpp>
#include <raftescort/util/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <raftescort/util/cluster_id.hpp>

namespace raftescort::transport {

// One rule for cluster ids everywhere (util/cluster_id.hpp): any id a node
// can be started with can be sent.
using util::is_valid_cluster_id;
using util::k_cluster_id_bytes_max;

/// One node-to-node message with the id of the cluster it belongs to, so a
/// node can refuse a message from another cluster that reached its port.
struct Envelope {
    /// 1..k_cluster_id_bytes_max printable ASCII characters, no spaces.
    std::string cluster_id;
    raft::Message message;
};

/// Bounds on what decode_envelope() will look at. Each is checked before the
/// work it protects: the body size before parsing, the nesting depth, string
/// sizes and element counts while parsing (so a hostile body is refused
/// before it is fully materialized), the rest on the parsed object.
struct DecodeLimits {
    /// Largest body accepted at all; the HTTP server should answer 413 for
    /// bodies above it without buffering them.
    std::size_t body_bytes_max = std::size_t{4} * 1024 * 1024;
    /// Most entries in one append, and most elements in any JSON array.
    std::size_t entries_max = 4096;
    /// Deepest nesting of objects and arrays; a valid message needs 3.
    std::size_t nesting_depth_max = 8;
    /// Longest JSON string (before base64 decoding), e.g. one chunk_data.
    std::size_t string_bytes_max = std::size_t{2} * 1024 * 1024;
    /// Most envelopes in one batch body.
    std::size_t batch_messages_max = 1024;
};

/// Nesting a valid message needs: envelope -> entries -> entry, or
/// envelope -> snapshot -> voters. Limits below this are a programming error.
inline constexpr std::size_t k_nesting_depth_needed = 3;

/// Encodes `envelope` as a compact JSON object (no whitespace).
/// Precondition (asserted): the cluster id is valid, from and to are set
/// and differ, and the message would pass decode_envelope()'s checks with
/// limits large enough for it; the encoder is only fed by the local core.
std::string encode_envelope(const Envelope& envelope);

/// Decodes and validates one body. Never throws and never crashes, whatever
/// the bytes; on failure the error (code invalid_argument) names the problem
/// and the field, quoting at most ~40 bytes of the input. Unknown fields are
/// refused (see codec_decode.cpp for why).
util::Result<Envelope> decode_envelope(std::string_view body, const DecodeLimits& limits = {});

/// Appends one encode_envelope() result to a batch body (a '\n' first
/// unless `body` is empty).
void append_to_batch(std::string& body, std::string_view encoded);

/// Decodes a batch body: one or more envelopes joined by '\n' (one trailing
/// '\n' is allowed). All or nothing: if any envelope fails, or there are
/// more than limits.batch_messages_max, the error names the first bad one
/// ("message 3: ...") and nothing is returned. Never throws.
util::Result<std::vector<Envelope>> decode_batch(std::string_view body,
                                                 const DecodeLimits& limits = {});

} // namespace raftescort::transport
