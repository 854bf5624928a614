#include "proxy/api/api_envelope.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/assert.hpp>

namespace raftescort::proxy {

using nlohmann::json;

void reply_envelope(httplib::Response& response, int status, json data, json message)
{
    RE_ASSERT(status >= 200);
    RE_ASSERT(status < 600);
    transport::reply_json(
        response, status,
        json{{"status", status == 200 ? std::string("OK") : std::to_string(status)},
             {"data", std::move(data)},
             {"message", std::move(message)}});
}

void reply_ok(httplib::Response& response, json data, const std::string& message)
{
    reply_envelope(response, 200, std::move(data), message);
}

void reply_error(httplib::Response& response, int status, const std::string& message)
{
    RE_ASSERT(status >= 400);
    reply_envelope(response, status, nullptr, message);
}

void install_envelope_handlers(transport::HttpServer& server)
{
    server.set_error_renderer(
        [](int status, const std::string& message, httplib::Response& response) {
            // GET /status lists what a client may have meant.
            reply_error(response, status,
                        status == 404 ? message + " (GET /status lists them)" : message);
        });
}

} // namespace raftescort::proxy
