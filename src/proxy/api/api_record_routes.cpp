// GET /elections and /leaders: the records Redis holds. Redis is a record,
// not the source of truth (nothing Raft decides is read back from it): while
// it is down these answer 503, and everything else the proxy serves keeps
// working.

#include "proxy/api/api_context.hpp"
#include "proxy/api/api_envelope.hpp"
#include "proxy/api/api_input.hpp"
#include "proxy/view/records_json.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// The elections asked for, and the leaders that name their nodes.
using ElectionsRead = std::pair<util::Result<std::vector<registry::ElectionRecord>>,
                                std::vector<registry::LeaderRecord>>;
/// The leaders asked for, and the elections that hold their ballots.
using LeadersRead = std::pair<util::Result<std::vector<registry::LeaderRecord>>,
                              std::vector<registry::ElectionRecord>>;

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

/// The names the records' original fields show: each recorded leader's
/// (which names a node that has left since), then each node the proxy
/// tracks under the name GET /nodes shows, which wins where both know one.
NodeNames node_names(const ClusterSnapshot& snapshot,
                     const std::vector<registry::LeaderRecord>& leaders)
{
    NodeNames names;
    for (const registry::LeaderRecord& leader : leaders) {
        if (!leader.name.empty()) {
            names[leader.id.value] = leader.name;
        }
    }
    for (const NodeView& node : snapshot.nodes) {
        names[node.id] = node.name;
    }
    return names;
}

/// The leaders for their names only: a failed read leaves the names to the
/// cluster view, and the answer stands on the records asked for.
std::vector<registry::LeaderRecord> leaders_for_names(registry::Registry& registry,
                                                      std::int64_t now_ms)
{
    auto read = registry.read_leaders(now_ms);
    return read.ok() ? std::move(read.value()) : std::vector<registry::LeaderRecord>{};
}

void handle_elections(ApiContext& context, const httplib::Request& request,
                      httplib::Response& response)
{
    auto term = term_param(request, response);
    if (!term) {
        return;
    }
    const std::optional<raft::Term> wanted =
        *term ? std::optional<raft::Term>(raft::Term{**term}) : std::nullopt;
    auto [read, leaders] = context.registry.use(
        [wanted](registry::Registry& registry, std::int64_t now) -> ElectionsRead {
            if (!wanted) {
                auto all = registry.read_elections(now);
                if (!all.ok()) {
                    return {all.error(), {}};
                }
                return {std::move(all), leaders_for_names(registry, now)};
            }
            auto one = registry.read_election(now, *wanted);
            if (!one.ok()) {
                return {one.error(), {}};
            }
            return {std::vector<registry::ElectionRecord>{std::move(one.value())},
                    leaders_for_names(registry, now)};
        });
    if (!read.ok()) {
        reply_read_error(response, read.error(),
                         wanted ? "election for term " + std::to_string(wanted->value)
                                : std::string("election"));
        return;
    }
    const NodeNames names = node_names(*context.view.snapshot(), leaders);
    reply_ok(response, elections_json(read.value(), names));
}

void handle_leaders(ApiContext& context, const httplib::Request& request,
                    httplib::Response& response)
{
    auto term = term_param(request, response);
    if (!term) {
        return;
    }
    const std::optional<raft::Term> wanted =
        *term ? std::optional<raft::Term>(raft::Term{**term}) : std::nullopt;
    // The elections give each leader its ballots (who voted for it); a failed
    // read of them leaves those fields null rather than failing the answer.
    auto [leaders, elections] = context.registry.use(
        [wanted](registry::Registry& registry, std::int64_t now) -> LeadersRead {
            std::vector<registry::ElectionRecord> elections_read;
            if (!wanted) {
                auto all = registry.read_leaders(now);
                if (all.ok()) {
                    auto read = registry.read_elections(now);
                    if (read.ok()) {
                        elections_read = std::move(read.value());
                    }
                }
                return {std::move(all), std::move(elections_read)};
            }
            auto one = registry.read_leader(now, *wanted);
            if (!one.ok()) {
                return {one.error(), {}};
            }
            auto read = registry.read_election(now, *wanted);
            if (read.ok()) {
                elections_read.push_back(std::move(read.value()));
            }
            return {std::vector<registry::LeaderRecord>{std::move(one.value())},
                    std::move(elections_read)};
        });
    if (!leaders.ok()) {
        reply_read_error(response, leaders.error(),
                         wanted ? "leader for term " + std::to_string(wanted->value)
                                : std::string("leader"));
        return;
    }
    const NodeNames names = node_names(*context.view.snapshot(), leaders.value());
    reply_ok(response, leaders_json(leaders.value(), elections, names));
}

} // namespace

util::Result<json> elections_answer(ApiContext& context)
{
    auto [read, leaders] =
        context.registry.use([](registry::Registry& registry, std::int64_t now) -> ElectionsRead {
            auto all = registry.read_elections(now);
            if (!all.ok()) {
                return {all.error(), {}};
            }
            return {std::move(all), leaders_for_names(registry, now)};
        });
    if (!read.ok()) {
        return read.error();
    }
    return elections_json(read.value(), node_names(*context.view.snapshot(), leaders));
}

util::Result<json> leaders_answer(ApiContext& context)
{
    auto [leaders, elections] =
        context.registry.use([](registry::Registry& registry, std::int64_t now) -> LeadersRead {
            auto all = registry.read_leaders(now);
            std::vector<registry::ElectionRecord> elections_read;
            if (all.ok()) {
                auto read = registry.read_elections(now);
                if (read.ok()) {
                    elections_read = std::move(read.value());
                }
            }
            return {std::move(all), std::move(elections_read)};
        });
    if (!leaders.ok()) {
        return leaders.error();
    }
    return leaders_json(leaders.value(), elections,
                        node_names(*context.view.snapshot(), leaders.value()));
}

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
