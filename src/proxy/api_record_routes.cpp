// GET /elections and /leaders: the records Redis holds. Redis is a record,
// not the source of truth (DESIGN.md §1): while it is down these answer
// 503, and everything else the proxy serves keeps working.

#include "proxy/api_context.hpp"
#include "proxy/api_envelope.hpp"
#include "proxy/api_input.hpp"
#include "proxy/records_json.hpp"

#include <optional>
#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// Answers a failed read: 404 for a term with no record, 503 while Redis is
/// unreachable, 502 for a record Redis holds but the proxy cannot read.
void reply_read_error(httplib::Response& response, const util::Error& error,
                      const std::string& what)
{
    switch (error.code) {
    case util::ErrorCode::not_found: reply_error(response, 404, "no " + what + " recorded"); return;
    case util::ErrorCode::unavailable:
        reply_error(response, 503, "Redis unreachable: " + error.message);
        return;
    default:
        reply_error(response, 502, "Redis holds a record the proxy cannot read: " + error.message);
    }
}

/// The ?term= parameter: nullopt-in-optional when absent; empty (answered
/// 400) when malformed.
std::optional<std::optional<std::uint64_t>> term_param(const httplib::Request& request,
                                                       httplib::Response& response)
{
    if (!request.has_param("term")) {
        return std::optional<std::uint64_t>{};
    }
    std::optional<std::uint64_t> term = positive_param(request, response, "term");
    if (!term) {
        return std::nullopt;
    }
    return term;
}

void handle_elections(ApiContext& context, const httplib::Request& request,
                      httplib::Response& response)
{
    auto term = term_param(request, response);
    if (!term) {
        return;
    }
    if (*term) {
        const raft::Term wanted{**term};
        auto read = context.registry.use([wanted](registry::Registry& registry, std::int64_t now) {
            return registry.read_election(now, wanted);
        });
        if (!read.ok()) {
            reply_read_error(response, read.error(),
                             "election for term " + std::to_string(wanted.value));
            return;
        }
        reply_ok(response, json{{std::to_string(wanted.value), election_json(read.value())}});
        return;
    }
    auto read = context.registry.use([](registry::Registry& registry, std::int64_t now) {
        return registry.read_elections(now);
    });
    if (!read.ok()) {
        reply_read_error(response, read.error(), "election");
        return;
    }
    reply_ok(response, elections_json(read.value()));
}

void handle_leaders(ApiContext& context, const httplib::Request& request,
                    httplib::Response& response)
{
    auto term = term_param(request, response);
    if (!term) {
        return;
    }
    if (*term) {
        const raft::Term wanted{**term};
        auto [leader, election] =
            context.registry.use([wanted](registry::Registry& registry, std::int64_t now) {
                auto leader_read = registry.read_leader(now, wanted);
                std::optional<registry::ElectionRecord> election_read;
                if (leader_read.ok()) {
                    auto read = registry.read_election(now, wanted);
                    if (read.ok()) {
                        election_read = read.value();
                    }
                }
                return std::make_pair(std::move(leader_read), std::move(election_read));
            });
        if (!leader.ok()) {
            reply_read_error(response, leader.error(),
                             "leader for term " + std::to_string(wanted.value));
            return;
        }
        reply_ok(response, json{{std::to_string(wanted.value),
                                 leader_json(leader.value(), election ? &*election : nullptr)}});
        return;
    }
    auto [leaders, elections] =
        context.registry.use([](registry::Registry& registry, std::int64_t now) {
            auto leaders_read = registry.read_leaders(now);
            std::vector<registry::ElectionRecord> elections_read;
            if (leaders_read.ok()) {
                auto read = registry.read_elections(now);
                if (read.ok()) {
                    elections_read = std::move(read.value());
                }
            }
            return std::make_pair(std::move(leaders_read), std::move(elections_read));
        });
    if (!leaders.ok()) {
        reply_read_error(response, leaders.error(), "leader");
        return;
    }
    reply_ok(response, leaders_json(leaders.value(), elections));
}

} // namespace

void install_record_routes(transport::HttpServer& server, ApiContext& context)
{
    server.Get("/elections",
               [&context](const httplib::Request& request, httplib::Response& response) {
                   handle_elections(context, request, response);
               });
    server.Get("/leaders",
               [&context](const httplib::Request& request, httplib::Response& response) {
                   handle_leaders(context, request, response);
               });
}

} // namespace raftescort::proxy
