// The guided lessons' banner (proxy/lesson/): POST /lesson puts it up or
// moves it on a step, POST /lesson/clear takes it down, GET /lesson shows
// it. Changing it needs the admin token: the banner speaks to everyone
// watching the dashboard, so only the operator may put words there.

#include "proxy/api/api_auth.hpp"
#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/lesson/lesson_banner.hpp"
#include "proxy/lesson/lesson_board.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/assert.hpp>

#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

void handle_post(ApiContext& context, const httplib::Request& request,
                 httplib::Response& response)
{
    std::optional<json> body = read_json_body(request, response, lesson_body_fields());
    if (!body) {
        return;
    }
    util::Result<json> banner = lesson_banner_from_body(*body);
    if (!banner.ok()) {
        reply_error(response, 400, banner.error().message);
        return;
    }
    const json stored =
        context.lessons.post(std::move(banner.value()), client_description(request));
    RE_ASSERT(stored.contains("at_ms"));
    reply_ok(response, json{{"lesson", stored}},
             "step " + std::to_string(stored["step"].get<std::int64_t>()) + " of "
                 + std::to_string(stored["steps"].get<std::int64_t>()) + " shown");
}

void handle_clear(ApiContext& context, const httplib::Request& request,
                  httplib::Response& response)
{
    // Sent as JSON like every POST (no form post from another site), with
    // an empty body or an empty object.
    if (!transport::admit_json_body(request, response, reply_error)) {
        return;
    }
    if (!request.body.empty() && !read_json_body(request, response, {})) {
        return;
    }
    context.lessons.clear();
    reply_ok(response, json{{"lesson", nullptr}}, "the lesson banner is cleared");
}

} // namespace

void install_lesson_routes(transport::HttpServer& server, ApiContext& context)
{
    transport::RouteOptions admin;
    // On the head: a request without the token is refused before its body is read.
    admin.admit = [&context](const httplib::Request& request, httplib::Response& response) {
        return admit_admin(context, request, response);
    };
    server.Get("/lesson", [&context](const httplib::Request&, httplib::Response& response) {
        reply_ok(response, json{{"lesson", context.lessons.current()}});
    });
    server.Post(
        "/lesson",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_post(context, request, response);
        },
        admin);
    server.Post(
        "/lesson/clear",
        [&context](const httplib::Request& request, httplib::Response& response) {
            handle_clear(context, request, response);
        },
        admin);
}

} // namespace raftescort::proxy
