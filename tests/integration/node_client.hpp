#pragma once

// A test's HTTP client of one node, and the node API's JSON read into structs
// (the contract: GET /status, /position, /logs; POST /move, /mission).
//
// One long-lived keep-alive client per node, with TCP_NODELAY and short
// timeouts: a failover probe polls every few milliseconds, and a request that
// waits on Nagle or on a dead peer would measure the client, not the cluster
// (cpp-httplib leaves Nagle on: a small request then waits ~40 ms for the
// delayed ACK). httplib::Client is not thread-safe: a thread that sends
// requests of its own makes its own NodeClient.
//
// A reply that does not match the contract (a missing field, a wrong type)
// throws std::runtime_error naming the field and quoting the body, so the
// test fails with the node's answer instead of polling until a deadline.

#include <raftescort/escort/escort.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace raftescort::integration {

using escort::Point;

/// The admin token every node and proxy of the integration tests is given
/// (through a file: LocalCluster::admin_token_path), and that NodeClient
/// sends unless told not to.
inline constexpr const char* k_test_admin_token = "integration-admin-token-5e0c2b7d41";

/// GET requests answer at once; a node that takes longer is down or paused.
inline constexpr std::chrono::milliseconds k_query_timeout{500};
/// POST /move and /mission answer only after commit and apply (or with 503
/// when the node gives up), so they get longer.
inline constexpr std::chrono::milliseconds k_proposal_timeout{5000};

/// One HTTP answer. `status` 0 means no HTTP answer at all (connection
/// refused or reset, or the timeout passed): the outcome is unknown.
struct HttpReply {
    int status = 0;
    /// httplib's error name when `status` is 0.
    std::string error;
    std::string body;
    /// The body parsed as JSON; null if it is not JSON.
    nlohmann::json json;

    bool answered() const { return status != 0; }

    std::string describe() const
    {
        if (!answered()) {
            return "no answer (" + error + ")";
        }
        return "HTTP " + std::to_string(status) + " " + body.substr(0, 300);
    }
};

struct MissionStatus {
    Point target;
    bool running = false;
    std::uint64_t steps_taken = 0;
};

/// One entry of the leader's `peers` list.
struct PeerStatus {
    std::uint64_t id = 0;
    std::string name;
    std::uint64_t match_index = 0;
    std::uint64_t next_index = 0;
    std::string state;
    bool learner = false;
    bool reachable = false;
    std::uint64_t answers_in_responses = 0;
};

/// GET /status, field for field.
struct NodeStatus {
    std::uint64_t id = 0;
    std::string name;
    std::string cluster;
    std::string role;
    std::uint64_t term = 0;
    /// 0 when the node knows no leader.
    std::uint64_t leader = 0;
    std::string leader_name;
    std::uint64_t commit_index = 0;
    std::uint64_t applied_index = 0;
    std::uint64_t last_index = 0;
    /// The leader has committed an entry of its own term (it may serve).
    bool committed_in_term = false;
    /// Empty while the node is not on the roster.
    std::optional<Point> position;
    Point lead;
    std::uint64_t lead_unit = 0;
    MissionStatus mission;
    std::vector<std::uint64_t> voters;
    std::vector<std::uint64_t> learners;
    std::vector<PeerStatus> peers;
    std::string state_hash;
    std::uint64_t snapshot_index = 0;
    bool redis_connected = false;

    bool is_leader() const { return role == "leader"; }
    /// A leader that has committed in its term: it can commit client moves.
    bool is_serving_leader() const { return is_leader() && committed_in_term; }

    std::string summary() const
    {
        return "node " + std::to_string(id) + " " + role + " term " + std::to_string(term)
               + " leader " + std::to_string(leader) + " commit " + std::to_string(commit_index)
               + " applied " + std::to_string(applied_index) + " last " + std::to_string(last_index)
               + (committed_in_term ? " committed_in_term" : "") + " lead ["
               + std::to_string(lead.x) + "," + std::to_string(lead.y) + "] voters "
               + std::to_string(voters.size()) + " learners " + std::to_string(learners.size())
               + " hash " + state_hash;
    }
};

/// One applied entry from GET /logs.
struct LogEntry {
    std::uint64_t index = 0;
    std::uint64_t term = 0;
    /// "normal", "leader_noop" or "conf_change".
    std::string type;
    /// A normal entry's command in escort::encode_command's text form.
    std::string command;
};

/// One page of GET /logs.
struct LogPage {
    std::uint64_t first_index = 0;
    std::uint64_t applied_index = 0;
    std::vector<LogEntry> entries;
};

namespace detail {

[[noreturn]] inline void contract_violation(const std::string& what, const std::string& field,
                                            const std::string& reason, const std::string& body)
{
    throw std::runtime_error(what + ": field \"" + field + "\": " + reason
                             + "; body: " + body.substr(0, 600));
}

/// Reads `object[field]` as T; a missing field or a wrong type throws.
template <typename T>
T field_of(const nlohmann::json& object, const char* field, const std::string& what)
{
    if (!object.is_object() || !object.contains(field)) {
        detail::contract_violation(what, field, "missing", object.dump());
    }
    try {
        return object.at(field).get<T>();
    } catch (const nlohmann::json::exception& error) {
        detail::contract_violation(what, field, error.what(), object.dump());
    }
}

inline Point point_of(const nlohmann::json& value, const char* field, const std::string& what)
{
    if (!value.is_array() || value.size() != 2 || !value[0].is_number_integer()
        || !value[1].is_number_integer()) {
        detail::contract_violation(what, field, "not an [x, y] pair of integers", value.dump());
    }
    return Point{value[0].get<std::int64_t>(), value[1].get<std::int64_t>()};
}

} // namespace detail

inline NodeStatus parse_status(const nlohmann::json& body)
{
    const std::string what = "GET /status";
    using detail::field_of;
    NodeStatus status;
    status.id = field_of<std::uint64_t>(body, "id", what);
    status.name = field_of<std::string>(body, "name", what);
    status.cluster = field_of<std::string>(body, "cluster", what);
    status.role = field_of<std::string>(body, "role", what);
    status.term = field_of<std::uint64_t>(body, "term", what);
    status.leader = field_of<std::uint64_t>(body, "leader", what);
    status.leader_name = field_of<std::string>(body, "leader_name", what);
    status.commit_index = field_of<std::uint64_t>(body, "commit_index", what);
    status.applied_index = field_of<std::uint64_t>(body, "applied_index", what);
    status.last_index = field_of<std::uint64_t>(body, "last_index", what);
    status.committed_in_term = field_of<bool>(body, "committed_in_term", what);
    auto position = field_of<nlohmann::json>(body, "position", what);
    if (!position.is_null()) {
        status.position = detail::point_of(position, "position", what);
    }
    status.lead = detail::point_of(field_of<nlohmann::json>(body, "lead", what), "lead", what);
    status.lead_unit = field_of<std::uint64_t>(body, "lead_unit", what);
    auto mission = field_of<nlohmann::json>(body, "mission", what);
    status.mission.target =
        detail::point_of(field_of<nlohmann::json>(mission, "target", what), "mission.target", what);
    status.mission.running = field_of<bool>(mission, "running", what);
    status.mission.steps_taken = field_of<std::uint64_t>(mission, "steps_taken", what);
    status.voters = field_of<std::vector<std::uint64_t>>(body, "voters", what);
    status.learners = field_of<std::vector<std::uint64_t>>(body, "learners", what);
    for (const auto& peer : field_of<nlohmann::json>(body, "peers", what)) {
        PeerStatus parsed;
        parsed.id = field_of<std::uint64_t>(peer, "id", what);
        parsed.name = field_of<std::string>(peer, "name", what);
        parsed.match_index = field_of<std::uint64_t>(peer, "match_index", what);
        parsed.next_index = field_of<std::uint64_t>(peer, "next_index", what);
        parsed.state = field_of<std::string>(peer, "state", what);
        parsed.learner = field_of<bool>(peer, "learner", what);
        parsed.reachable = field_of<bool>(peer, "reachable", what);
        parsed.answers_in_responses = field_of<std::uint64_t>(peer, "answers_in_responses", what);
        status.peers.push_back(parsed);
    }
    status.state_hash = field_of<std::string>(body, "state_hash", what);
    status.snapshot_index = field_of<std::uint64_t>(body, "snapshot_index", what);
    status.redis_connected = field_of<bool>(body, "redis_connected", what);
    return status;
}

inline LogPage parse_log_page(const nlohmann::json& body)
{
    const std::string what = "GET /logs";
    using detail::field_of;
    LogPage page;
    page.first_index = field_of<std::uint64_t>(body, "first_index", what);
    page.applied_index = field_of<std::uint64_t>(body, "applied_index", what);
    for (const auto& entry : field_of<nlohmann::json>(body, "entries", what)) {
        LogEntry parsed;
        parsed.index = field_of<std::uint64_t>(entry, "index", what);
        parsed.term = field_of<std::uint64_t>(entry, "term", what);
        parsed.type = field_of<std::string>(entry, "type", what);
        parsed.command = field_of<std::string>(entry, "command", what);
        page.entries.push_back(std::move(parsed));
    }
    return page;
}

/// A client move; an empty client_id sends none (no deduplication).
struct MoveRequest {
    std::int64_t dx = 0;
    std::int64_t dy = 0;
    std::string client_id;
    std::uint64_t sequence = 0;

    /// A move without a request id (the node does not deduplicate it).
    static MoveRequest by(std::int64_t dx, std::int64_t dy) { return MoveRequest{dx, dy, {}, 0}; }

    nlohmann::json to_json() const
    {
        nlohmann::json body = {{"dx", dx}, {"dy", dy}};
        if (!client_id.empty()) {
            body["client_id"] = client_id;
            body["sequence"] = sequence;
        }
        return body;
    }
};

class NodeClient {
public:
    /// With `as_operator` every request carries the test's admin token as
    /// "Authorization: Bearer" (reads and moves do not need it; changes do).
    NodeClient(const std::string& host, std::uint16_t port, bool as_operator = true)
        : m_client(host, port)
    {
        if (as_operator) {
            m_client.set_default_headers(
                {{"Authorization", std::string("Bearer ") + k_test_admin_token}});
        }
        m_client.set_tcp_nodelay(true);
        m_client.set_keep_alive(true);
        m_client.set_connection_timeout(k_query_timeout);
        m_client.set_write_timeout(k_query_timeout);
        m_client.set_read_timeout(k_query_timeout);
    }

    HttpReply get(const std::string& path, std::chrono::milliseconds timeout = k_query_timeout)
    {
        m_client.set_read_timeout(timeout);
        return reply_of(m_client.Get(path.c_str()));
    }

    HttpReply post(const std::string& path, const nlohmann::json& body,
                   std::chrono::milliseconds timeout = k_proposal_timeout)
    {
        m_client.set_read_timeout(timeout);
        return reply_of(m_client.Post(path.c_str(), body.dump(), "application/json"));
    }

    /// POST with these headers besides the default ones.
    HttpReply post(const std::string& path, const httplib::Headers& headers,
                   const std::string& body, const std::string& content_type = "application/json",
                   std::chrono::milliseconds timeout = k_proposal_timeout)
    {
        m_client.set_read_timeout(timeout);
        return reply_of(m_client.Post(path.c_str(), headers, body, content_type.c_str()));
    }

    bool healthy() { return get("/health").status == 200; }

    /// The node's status; empty when it does not answer 200 (down, paused,
    /// starting). A 200 that breaks the contract throws.
    std::optional<NodeStatus> status()
    {
        HttpReply reply = get("/status");
        if (reply.status != 200) {
            return std::nullopt;
        }
        if (!reply.json.is_object()) {
            throw std::runtime_error("GET /status: 200 without a JSON object: "
                                     + reply.body.substr(0, 300));
        }
        return parse_status(reply.json);
    }

    std::optional<LogPage> logs(std::uint64_t from, std::uint64_t limit)
    {
        HttpReply reply =
            get("/logs?from=" + std::to_string(from) + "&limit=" + std::to_string(limit),
                std::chrono::milliseconds(3000));
        if (reply.status != 200) {
            return std::nullopt;
        }
        return parse_log_page(reply.json);
    }

    HttpReply move(const MoveRequest& request) { return post("/move", request.to_json()); }

    HttpReply mission(const nlohmann::json& body) { return post("/mission", body); }

private:
    static HttpReply reply_of(const httplib::Result& result)
    {
        HttpReply reply;
        if (!result) {
            reply.error = httplib::to_string(result.error());
            return reply;
        }
        reply.status = result->status;
        reply.body = result->body;
        reply.json = nlohmann::json::parse(reply.body, nullptr, false);
        if (reply.json.is_discarded()) {
            reply.json = nullptr;
        }
        return reply;
    }

    httplib::Client m_client;
};

} // namespace raftescort::integration
