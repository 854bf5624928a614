#include "proxy/api_envelope.hpp"

#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <exception>

namespace raftescort::proxy {

using nlohmann::json;

void reply_envelope(httplib::Response& response, int status, json data, json message)
{
    RE_ASSERT(status >= 200);
    RE_ASSERT(status < 600);
    response.status = status;
    json body{{"status", status == 200 ? std::string("OK") : std::to_string(status)},
              {"data", std::move(data)},
              {"message", std::move(message)}};
    response.set_content(body.dump(), "application/json");
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

void install_envelope_handlers(httplib::Server& server)
{
    // The server calls this for every answer of 400 or more; a handler's own
    // envelope already has a body and is left alone.
    using HandlerWithResponse = httplib::Server::HandlerWithResponse;
    server.set_error_handler(
        HandlerWithResponse([](const httplib::Request& request, httplib::Response& response) {
            if (!response.body.empty()) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            switch (response.status) {
            case 404:
                reply_error(response, 404,
                            "no such endpoint: " + request.method + " " + request.path
                                + " (GET /status lists them)");
                break;
            case 413:
                reply_error(response, 413, "the request body is over the 16384-byte limit");
                break;
            default:
                reply_error(response, response.status,
                            "HTTP " + std::to_string(response.status) + " for " + request.method
                                + " " + request.path);
                break;
            }
            return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& exception) {
                what = exception.what();
            } catch (...) {
            }
            spdlog::error("{} {} failed: {}", request.method, request.path, what);
            reply_error(response, 500, "internal error: " + what);
        });
}

} // namespace raftescort::proxy
