#pragma once

// A JSON parser with limits, built on nlohmann's SAX interface. nlohmann's
// DOM parser accepts duplicate keys (the last one wins), any nesting depth
// its stack allows, and any string or array size; a body from the network
// deserves none of that. The SAX parser is iterative, so even 100,000 open
// brackets cost no recursion: the handler says stop at the first bracket
// past the limit.

#include <nlohmann/json.hpp>

#include <raftescort/util/result.hpp>

#include <cstddef>
#include <string_view>

namespace raftescort::transport::http {

/// Structural limits, checked while the text is parsed.
struct JsonLimits {
    /// Deepest nesting of objects and arrays; the top-level value is depth 1.
    std::size_t nesting_depth_max = 0;
    /// Longest string or object key, in bytes after unescaping.
    std::size_t string_bytes_max = 0;
    /// Most elements in any one array.
    std::size_t array_elements_max = 0;
    /// Most members in any one object.
    std::size_t object_members_max = 0;
    /// Most values in the whole document, containers included; bounds the
    /// memory of the tree whatever the shape of the input.
    std::size_t values_max = 0;
    /// The Raft wire format has only unsigned integers below 2^64, and
    /// refuses every other number; a client's body may hold any number, and
    /// the handler's field readers say which field has the wrong kind.
    bool unsigned_integers_only = true;
};

/// Parses `text` as exactly one JSON value (nothing may follow it) into a
/// tree. Refuses, with the path of the offending value: duplicate object
/// keys (RFC 8259 §4), any number that is not an unsigned integer below
/// 2^64 unless `limits` allows them, and anything over `limits`.
/// Syntax errors, invalid UTF-8 and the like come from nlohmann's lexer and
/// are reported with their byte offset. Never throws.
util::Result<nlohmann::json> parse_bounded_json(std::string_view text, const JsonLimits& limits);

} // namespace raftescort::transport::http
