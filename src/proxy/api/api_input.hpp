#pragma once

// Reading client input at the edge, so that handlers only see checked
// values and malformed input never travels further in. Each reader either
// returns the value or answers the request with a 4xx in the envelope and
// returns nothing, so a handler reads as a list of steps that each may end
// the request.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace raftescort::proxy {

/// The largest request body the API reads (the server refuses larger ones
/// before buffering them; see install_routes).
inline constexpr std::size_t k_body_bytes_max = 16 * 1024;

/// The body as a JSON object whose keys are all in `allowed`, read by the
/// kit the node uses too (transport/json_body.hpp), refusals in the envelope.
std::optional<nlohmann::json> read_json_body(const httplib::Request& request,
                                             httplib::Response& response,
                                             const std::set<std::string>& allowed);

/// An integer within [-limit, limit] from the query string (`name`) or from a
/// JSON member; 400 when missing, not an integer, or out of range.
std::optional<std::int64_t> integer_param(const httplib::Request& request,
                                          httplib::Response& response, const char* name,
                                          std::int64_t limit);
std::optional<std::int64_t> integer_member(const nlohmann::json& body, const char* name,
                                           std::int64_t limit, httplib::Response& response);

/// A positive integer (a term, a node id) from the query string or a JSON
/// member; 400 otherwise, naming the parameter.
std::optional<std::uint64_t> positive_param(const httplib::Request& request,
                                            httplib::Response& response, const char* name);
std::optional<std::uint64_t> positive_member(const nlohmann::json& body, const char* name,
                                             httplib::Response& response);

/// "raftescort-ctl/0.1.0 at 127.0.0.1": who sent the request, for a record
/// of who changed something (the User-Agent cut short and made printable,
/// and the client's address).
std::string client_description(const httplib::Request& request);

} // namespace raftescort::proxy
