#pragma once

// The proxy's JSON values as table cells and message words. Every helper
// accepts any JSON value, because the data comes from the network: a field
// that is missing, null or of another type prints as "-", never throws.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace raftescort::ctl {

/// What a cell holds when the value is missing or null.
inline constexpr const char* k_no_value = "-";

/// A value as one line of text: strings as they are (control characters
/// made spaces), numbers in decimal, [x, y] for a point, "-" for null.
std::string value_text(const nlohmann::json& value);
/// `object[key]`, or null when `object` is not an object or has no such key.
const nlohmann::json& field(const nlohmann::json& object, const char* key);
/// value_text() of `object[key]`, or "-" when `object` has no such key.
std::string field_text(const nlohmann::json& object, const char* key);
/// A duration in milliseconds: "35ms", "2.5s"; "-" if not a number.
std::string duration_ms_text(const nlohmann::json& value);
/// Milliseconds since the epoch as local time "2026-11-26 14:03:07.250".
std::string timestamp_ms_text(const nlohmann::json& value);
/// `object[key]` if it is an unsigned integer, else 0.
std::uint64_t field_unsigned(const nlohmann::json& object, const char* key);

/// " (term 3, index 57)" from an answer's "term" and "index", or "" if absent.
std::string commit_text(const nlohmann::json& answer);
/// "running, target [100, 0], lead [24, 0], 24 steps taken" from a mission
/// object ({"target", "running", "steps_taken"}) and a lead point (may be null).
std::string mission_text(const nlohmann::json& mission, const nlohmann::json& lead);

/// "heartbeat 100 ms, election timeout 600 ms, each node's own step
/// interval, pre-vote off, check-quorum each node's own" from the timing a
/// timing command set ({"heartbeat_ms", "election_timeout_ms",
/// "step_interval_ms"} with 0 for each node's own, "pre_vote" and
/// "check_quorum" as "own", "on" or "off"); "each node's own" when all are;
/// "-" if it is not an object.
std::string timing_setting_text(const nlohmann::json& timing);

/// The keys of `object`, numeric ones (terms, ids) in numeric order first.
std::vector<std::string> keys_in_order(const nlohmann::json& object);
/// The proxy's list at `value`, or an empty list if it is not one.
const nlohmann::json& as_list(const nlohmann::json& value);

/// --json output: one document, pretty-printed, then a newline.
void print_json(std::ostream& out, const nlohmann::json& document);

} // namespace raftescort::ctl
