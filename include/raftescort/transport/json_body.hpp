#pragma once

// A client's JSON request body, read the same way by the node's API and the
// proxy's: bounded before it is parsed, parsed without trusting it
// (duplicate keys, deep nesting and huge arrays refused while parsing), and
// refused with a status and a message that names the problem. The two
// servers answer errors in their own documented shapes (the node
// {"error": ...}, the proxy its envelope), so each passes its reply.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <raftescort/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace raftescort::transport {

/// Answers a request with an error: `status` and a message for the client.
using ErrorReply = void (*)(httplib::Response& response, int status, const std::string& message);

/// Writes `body` as a JSON answer with `status`; bytes of a string that are
/// not UTF-8 (a client's text quoted back) are replaced, never thrown on.
void reply_json(httplib::Response& response, int status, const nlohmann::json& body);

/// True if the request declares a JSON body; otherwise answers 415 (a form
/// post from a web page must not reach a handler) and returns false.
bool admit_json_body(const httplib::Request& request, httplib::Response& response,
                     ErrorReply reply_error);

/// The body as a JSON object whose keys are all in `allowed`, or nullopt
/// after answering: 415 unless sent as application/json; 413 over
/// `bytes_max`; 400 when it is not one JSON value (with the byte offset), has
/// a duplicate key, nests deeper than an object of arrays, is not an object,
/// or has a key outside `allowed` (the known ones are listed). Numbers of
/// every kind pass: the handler's field readers name a field of the wrong
/// kind.
std::optional<nlohmann::json> read_json_object(const httplib::Request& request,
                                               httplib::Response& response, std::size_t bytes_max,
                                               const std::set<std::string>& allowed,
                                               ErrorReply reply_error);

/// The integer member `name` of a body read above, within [-limit, limit],
/// or nullopt after answering 400 naming the field: missing, not an integer
/// (a string, a fraction), or out of range.
std::optional<std::int64_t> integer_member(const nlohmann::json& body, const char* name,
                                           std::int64_t limit, httplib::Response& response,
                                           ErrorReply reply_error);

/// An answer from one of our own servers (a node to the proxy or to a
/// joining node, the proxy to ctl), parsed with limits far above any real
/// answer but still bounded: a peer that was replaced by something else, or
/// went wrong, cannot make the reader nest without end or hold a
/// gigabyte-sized tree. Duplicate keys are refused as in a client's body.
util::Result<nlohmann::json> parse_answer_json(std::string_view text);

} // namespace raftescort::transport
