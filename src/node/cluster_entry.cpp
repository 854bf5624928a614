#include "node/cluster_entry.hpp"

#include "node/cluster_token.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/json_body.hpp>
#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>

namespace raftescort::node {

namespace {

using nlohmann::json;

// A founder leads on its first tick, so a joiner that found no leader yet
// soon will: at 300 ms most of a new cluster's time to five voters was this
// wait (5-node starts: 0.8-1.4 s to five voters at 300 ms, about 0.5 s at 100).
constexpr std::int64_t k_retry_wait_ms = 100;
constexpr std::int64_t k_progress_every_ms = 5000;
/// A join waits for the conf change to commit on the leader (up to its
/// commit timeout), so this is generous.
constexpr std::int64_t k_join_request_timeout_ms = 6000;

/// Where a join attempt stands.
struct JoinAttempt {
    enum class Kind { joined, refused, forbidden, redirect, retry };
    Kind kind = Kind::retry;
    std::string detail;
    std::string redirect_address;
};

/// What a member's answer to /join says (a body that is not JSON, or not
/// ours, still says something through its status).
JoinAttempt read_join_answer(const std::string& address, const httplib::Response& response)
{
    util::Result<json> parsed = transport::parse_answer_json(response.body);
    json answer = parsed.ok() ? std::move(parsed.value()) : json();
    std::string error =
        answer.is_object() && answer.contains("error") && answer["error"].is_string()
            ? answer["error"].get<std::string>()
            : response.body.substr(0, 200);
    switch (response.status) {
    case 200: return {JoinAttempt::Kind::joined, {}, {}};
    case 409: return {JoinAttempt::Kind::refused, error, {}};
    case 403: return {JoinAttempt::Kind::forbidden, address + ": " + error, {}};
    case 421: {
        std::string leader = answer.is_object() ? answer.value("leader_name", std::string()) : "";
        if (leader.empty() || leader == address) {
            return {JoinAttempt::Kind::retry, address + " knows no leader yet", {}};
        }
        return {JoinAttempt::Kind::redirect, error, leader};
    }
    default:
        return {JoinAttempt::Kind::retry,
                address + " answered " + std::to_string(response.status) + ": " + error,
                {}};
    }
}

JoinAttempt ask_to_join(const NodeSettings& settings, raft::NodeId id, const std::string& address,
                        const std::string& cluster_token)
{
    std::string host;
    std::uint16_t port = 0;
    if (!transport::split_host_port(address, host, port)) {
        return {JoinAttempt::Kind::retry, "bad address " + address, {}};
    }
    std::unique_ptr<httplib::Client> connection =
        transport::make_http_client(host, port, settings.tls);
    httplib::Client& client = *connection;
    client.set_connection_timeout(std::chrono::milliseconds(500));
    client.set_read_timeout(std::chrono::milliseconds(k_join_request_timeout_ms));
    client.set_tcp_nodelay(true);
    // A node joining by itself proves it is one of the cluster's: the
    // leader admits only a request carrying the cluster token.
    RE_ASSERT(!cluster_token.empty());
    httplib::Headers headers{{transport::k_token_header, cluster_token}};
    json body{{"id", id.value}, {"address", settings.advertise}};
    httplib::Result result = client.Post("/join", headers, body.dump(), "application/json");
    if (!result) {
        // Under mutual TLS a member that refuses this node's certificate
        // only closes the connection: say what that may mean.
        std::string hint = settings.tls.enabled()
                               ? "; if it keeps failing, check that --tls-cert is signed by the "
                                 "cluster's CA"
                               : "";
        return {JoinAttempt::Kind::retry,
                address + " did not answer (" + httplib::to_string(result.error()) + ")" + hint,
                {}};
    }
    return read_join_answer(address, *result);
}

/// The addresses to ask, best first: the newest recorded leader, then every
/// live registration.
util::Result<std::vector<std::string>> join_candidates(registry::Registry& registry,
                                                       raft::NodeId self)
{
    std::int64_t now_ms = transport::monotonic_ms();
    RE_TRY(listing, registry.list_nodes(now_ms));
    std::vector<std::string> addresses;
    util::Result<std::vector<registry::LeaderRecord>> leaders = registry.read_leaders(now_ms);
    if (leaders.ok() && !leaders.value().empty()) {
        raft::NodeId newest = leaders.value().back().id;
        for (const registry::NodeRegistration& node : listing.live) {
            if (node.id == newest && node.id != self) {
                addresses.push_back(node.address);
            }
        }
    }
    for (const registry::NodeRegistration& node : listing.live) {
        if (node.id != self) {
            addresses.push_back(node.address);
        }
    }
    return addresses;
}

/// Makes sure `cluster_token` is known (see cluster_token.hpp): false, with
/// `why` set, when it is not yet; an error to stop with in `failure`.
bool have_cluster_token(const NodeSettings& settings, registry::Registry& registry, bool founder,
                        std::string& cluster_token, std::string& why,
                        std::optional<util::Error>& failure)
{
    if (!cluster_token.empty()) {
        return true;
    }
    util::Result<std::optional<std::string>> fetched =
        fetch_cluster_token(settings, registry, founder);
    if (!fetched.ok()) {
        why = "Redis is needed to learn the cluster token: " + fetched.error().message;
        return false;
    }
    if (!fetched.value()) {
        why = "the cluster token is not in Redis yet (the cluster's founder publishes it)";
        return false;
    }
    // Stored before the node serves or asks to join: a restart then needs
    // neither the flag nor Redis.
    if (util::Status stored = store_cluster_token(settings, *fetched.value()); !stored.ok()) {
        failure = stored.error();
        return false;
    }
    cluster_token = std::move(*fetched.value());
    return true;
}

/// What one round of entering comes to: the entry, an error to stop with,
/// or nullopt to retry (with `why` saying what is missing).
using EntryRound = std::optional<util::Result<ClusterEntry>>;

/// The round of a node that cannot learn the cluster token yet.
EntryRound without_token(const std::optional<util::Error>& failure)
{
    if (failure) {
        return util::Result<ClusterEntry>(*failure);
    }
    return std::nullopt;
}

/// Makes sure the node has an id, taking a fresh one from Redis when it
/// was given none; false, with `why` set, when Redis cannot give one.
bool have_node_id(registry::Registry& registry, std::int64_t now_ms, raft::NodeId& id,
                  std::string& why)
{
    if (id != raft::k_no_node) {
        return true;
    }
    util::Result<raft::NodeId> allocated = registry.allocate_node_id(now_ms);
    if (!allocated.ok()) {
        why = "Redis is needed to allocate an id: " + allocated.error().message;
        return false;
    }
    id = allocated.value();
    spdlog::info("Redis allocated node id {}", id.value);
    return true;
}

util::Error refused_error(const NodeSettings& settings, raft::NodeId id, const std::string& detail)
{
    return util::make_error(util::ErrorCode::rejected,
                            "the cluster refused node " + std::to_string(id.value) + ": " + detail
                                + ". Its data dir " + settings.data_dir
                                + " is empty: start it with a new --id (or none, to get a fresh "
                                  "one), or remove node "
                                + std::to_string(id.value) + " from the cluster first");
}

util::Error forbidden_error(const NodeSettings& settings, raft::NodeId id,
                            const std::string& detail)
{
    return util::make_error(util::ErrorCode::rejected,
                            "the cluster refused node " + std::to_string(id.value)
                                + "'s cluster token (" + detail
                                + "): give it the cluster's token with --cluster-token-file, or "
                                  "none, to learn it from Redis (and remove "
                                + settings.data_dir + "/cluster-token if it holds another)");
}

/// Asks `address` to add the node, following at most a couple of redirects
/// (a leader hint can be stale).
EntryRound follow_join_redirects(const NodeSettings& settings, raft::NodeId id, std::string address,
                                 const std::string& cluster_token, std::string& why)
{
    for (int hop = 0; hop < 3; ++hop) {
        JoinAttempt attempt = ask_to_join(settings, id, address, cluster_token);
        switch (attempt.kind) {
        case JoinAttempt::Kind::joined:
            spdlog::info("node {} was added to cluster {} as a learner by {}", id.value,
                         settings.cluster_id, address);
            return util::Result<ClusterEntry>(ClusterEntry{id, false, cluster_token});
        case JoinAttempt::Kind::refused:
            return util::Result<ClusterEntry>(refused_error(settings, id, attempt.detail));
        case JoinAttempt::Kind::forbidden:
            return util::Result<ClusterEntry>(forbidden_error(settings, id, attempt.detail));
        case JoinAttempt::Kind::redirect: address = attempt.redirect_address; continue;
        case JoinAttempt::Kind::retry: why = attempt.detail; return std::nullopt;
        }
    }
    why = "leader hints keep changing";
    return std::nullopt;
}

/// Joins the cluster as a learner, through its leader.
EntryRound join_through_leader(const NodeSettings& settings, registry::Registry& registry,
                               raft::NodeId id, std::string& cluster_token, std::string& why)
{
    std::optional<util::Error> failure;
    if (!have_cluster_token(settings, registry, false, cluster_token, why, failure)) {
        return without_token(failure);
    }
    util::Result<std::vector<std::string>> candidates = join_candidates(registry, id);
    if (!candidates.ok()) {
        why = "Redis is needed to find the leader: " + candidates.error().message;
        return std::nullopt;
    }
    if (candidates.value().empty()) {
        why = "no live node is registered yet in cluster " + settings.cluster_id;
        return std::nullopt;
    }
    return follow_join_redirects(settings, id, candidates.value().front(), cluster_token, why);
}

EntryRound try_enter(const NodeSettings& settings, registry::Registry& registry, raft::NodeId& id,
                     std::string& cluster_token, std::string& why)
{
    std::int64_t now_ms = transport::monotonic_ms();
    if (!have_node_id(registry, now_ms, id, why)) {
        return std::nullopt;
    }
    util::Result<raft::NodeId> claim = registry.claim_bootstrap(now_ms, id);
    if (!claim.ok()) {
        why = "Redis is needed to find the cluster: " + claim.error().message;
        return std::nullopt;
    }
    if (claim.value() == id) {
        util::Result<std::vector<registry::LeaderRecord>> leaders = registry.read_leaders(now_ms);
        if (!leaders.ok()) {
            why = "Redis is needed to find the cluster: " + leaders.error().message;
            return std::nullopt;
        }
        if (leaders.value().empty()) {
            std::optional<util::Error> failure;
            if (!have_cluster_token(settings, registry, true, cluster_token, why, failure)) {
                return without_token(failure);
            }
            return util::Result<ClusterEntry>(ClusterEntry{id, true, cluster_token});
        }
        // We claimed it once, but a leader was elected since: this data dir
        // was lost. Ask to join like anyone else; a voter is refused.
    }
    return join_through_leader(settings, registry, id, cluster_token, why);
}

} // namespace

namespace {

/// Calls `attempt(why)` every k_retry_wait_ms until it returns a result,
/// logging `why` (what is missing) every k_progress_every_ms; fails on a
/// stop signal.
template <typename T, typename Attempt>
util::Result<T> retry_until_done(const NodeSettings& settings, SignalWait& signals,
                                 const char* goal, Attempt attempt)
{
    std::int64_t started_ms = transport::monotonic_ms();
    std::int64_t next_progress_ms = started_ms + k_progress_every_ms;
    std::string why;
    while (true) {
        std::optional<util::Result<T>> done = attempt(why);
        if (done) {
            return *done;
        }
        std::int64_t now_ms = transport::monotonic_ms();
        if (now_ms >= next_progress_ms) {
            spdlog::warn("still waiting to {} cluster {} after {} s: {}", goal, settings.cluster_id,
                         (now_ms - started_ms) / 1000, why);
            next_progress_ms = now_ms + k_progress_every_ms;
        } else {
            spdlog::debug("waiting to {}: {}", goal, why);
        }
        int signal = signals.wait(k_retry_wait_ms);
        if (signal != 0) {
            return util::make_error(util::ErrorCode::unavailable,
                                    std::string("stopped by a signal before being able to ") + goal
                                        + " the cluster");
        }
    }
}

} // namespace

util::Result<ClusterEntry> enter_cluster(const NodeSettings& settings, registry::Registry& registry,
                                         SignalWait& signals, std::string cluster_token)
{
    raft::NodeId id = settings.id;
    return retry_until_done<ClusterEntry>(settings, signals, "join", [&](std::string& why) {
        return try_enter(settings, registry, id, cluster_token, why);
    });
}

util::Result<std::string> learn_cluster_token(const NodeSettings& settings,
                                              registry::Registry& registry, SignalWait& signals)
{
    std::string cluster_token;
    return retry_until_done<std::string>(
        settings, signals, "learn the token of",
        [&](std::string& why) -> std::optional<util::Result<std::string>> {
            std::optional<util::Error> failure;
            if (have_cluster_token(settings, registry, true, cluster_token, why, failure)) {
                return util::Result<std::string>(cluster_token);
            }
            if (failure) {
                return util::Result<std::string>(*failure);
            }
            return std::nullopt;
        });
}

} // namespace raftescort::node
