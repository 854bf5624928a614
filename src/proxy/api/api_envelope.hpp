#pragma once

// The response envelope of the external API (proxy.hpp; man/raftescort-proxy.1, HTTP API):
//   {"status": "OK" | "<http code>", "data": <value or null>, "message": ...}
// with the HTTP status equal to the code ("OK" means 200).

#include <raftescort/transport/http_server.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>

namespace raftescort::proxy {

/// The envelope with any status, data and message (a string, or the object
/// GET /status puts there).
void reply_envelope(httplib::Response& response, int status, nlohmann::json data,
                    nlohmann::json message);
/// 200 with `data`.
void reply_ok(httplib::Response& response, nlohmann::json data, const std::string& message = "");
/// An error: data null, the message says what to change.
void reply_error(httplib::Response& response, int status, const std::string& message);

/// Answers in the envelope what the server answers by itself: 404 for an
/// unknown path, 413 for a body over the limit, 400 for a malformed request,
/// 500 for a handler that threw.
void install_envelope_handlers(transport::HttpServer& server);

} // namespace raftescort::proxy
