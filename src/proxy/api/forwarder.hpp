#pragma once

// Sends a client request (move, mission, membership, leadership transfer)
// to the leader and brings back the leader's answer.
//
// The leader is the cluster view's; a follower that answers 421 names the
// leader it knows, and the forwarder goes there next. A node that cannot be
// reached, or a leader that answers 503 (it could not commit in time), sends
// the forwarder back to the view for a new leader, and the SAME request body
// is sent again (a move keeps its client_id and sequence, so the cluster
// applies it at most once) until the request's deadline. Then the answer is
// 503 with the last reason. Only a node's 200 is ever reported as success.

#include "proxy/api/client_pool.hpp"
#include "proxy/view/cluster_view.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace raftescort::proxy {

/// May a request be sent again after an attempt whose outcome is unknown
/// (the node got it, but its answer never came, or it answered 503)?
enum class RetryPolicy : std::uint8_t {
    /// Yes: the request is idempotent (a move with a client id, a mission
    /// that sets an absolute state).
    until_deadline,
    /// No: only attempts that provably never reached a node (connection
    /// refused, a follower's 421) are repeated.
    unsent_only,
};

struct ForwardRequest {
    /// The node API path, e.g. "/move".
    std::string path;
    nlohmann::json body;
    RetryPolicy retry = RetryPolicy::until_deadline;
    /// The request's budget; 0 means ForwarderOptions::request_timeout_ms.
    std::int64_t timeout_ms = 0;
    /// Send the term the target is believed to lead as "term" (a fencing
    /// token the node checks before proposing); for /move and /mission.
    bool fence_with_term = false;
};

struct ForwardResult {
    /// 200, a node's refusal (4xx) passed through, or 503.
    int status = 503;
    /// The node's JSON answer; null when no node answered.
    nlohmann::json body;
    /// Why, when status is not 200.
    std::string message;
    /// The node that answered last (0 if none).
    std::uint64_t node = 0;
    std::string node_name;
    /// Requests sent (including those that failed to connect).
    int attempts = 0;
};

struct ForwarderOptions {
    /// A request's whole budget: leader lookups, retries, waiting for commit.
    std::int64_t request_timeout_ms = 5000;
    /// Pause before asking again when no leader is known, so a cluster in an
    /// election is not hammered.
    std::int64_t no_leader_pause_ms = 25;
};

class Forwarder {
public:
    Forwarder(ClusterView& view, ClientPool& pool, ForwarderOptions options);

    /// Blocks until a node answered definitively or the request's deadline.
    ForwardResult forward(const ForwardRequest& request);

    const ForwarderOptions& options() const { return m_options; }

private:
    ClusterView& m_view;
    ClientPool& m_pool;
    const ForwarderOptions m_options;
};

} // namespace raftescort::proxy
