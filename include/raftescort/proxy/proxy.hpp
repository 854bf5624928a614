#pragma once

// `raftescort proxy`: the public face of the cluster (its HTTP API:
// man/raftescort-proxy.1).
//
// It knows the nodes from Redis (registrations) and, while Redis is down,
// from the nodes it already knows (each node's /status lists its peers), and
// polls every node's GET /status. Moves and mission control go to the leader
// (a follower's 421 names it) with a client request id, so a retry after a
// leader change is applied once; the answer comes after commit. No leader or
// no quorum: 503 with the reason, within a bounded time, never a false success.
//
// ## HTTP API (port 8888 by default)
//
// Every JSON answer (all but the dashboard, /metrics and /events) is the envelope
//   {"status": "OK" | "<http code>", "data": <value or null>, "message": "<text>"}
// with the HTTP status equal to the code ("OK" means 200). Errors are 4xx/5xx
// with data null and a message that says what to change.
//
//   GET  /                     the dashboard (text/html) to a client whose
//                              Accept has text/html (a browser); with Accept
//                              application/json the same as GET /status;
//                              anyone else a 302 to /status, as the original
//   GET  /status               data: {"version", "cluster", "redis_connected",
//                              "leader" (id or 0), "leader_name", "term",
//                              "nodes" (count), "reachable" (count)};
//                              message: {"internal_ip" (the proxy's IP: its
//                              listen address if one IP, else its machine's
//                              first interface address), "port" (the port it
//                              serves, a string as the original's), "note",
//                              "endpoints": [{"method", "locator",
//                              "description"}, ...]} (the one place where
//                              message is an object, as in the original project)
//   GET  /nodes                data: [node, ...] sorted by id; node = {"id",
//                              "name" (host:port), "_name" (alias of name),
//                              "role" (leader|follower|candidate|learner|
//                              unreachable), "term", "position" [x, y] or null,
//                              "commit_index", "applied_index", "lag" (leader's
//                              last index minus this node's match index, on the
//                              leader's view; 0 for the leader; null if unknown),
//                              "last_contact_ms" (on the leader's view, or null)}
//   GET  /nodes?ip=ADDR        data: one node. ADDR is any address the node is
//                              known by: its host:port, its host, or an IP of
//                              its machine (its /status "interface_ips", the
//                              container IP under compose); 404 if none, 400 if
//                              it is an address of several nodes
//   GET  /nodes/full           data: [each reachable node's full GET /status
//                              of the node API, plus "_name"; unreachable nodes
//                              as {"id", "name", "_name", "role": "unreachable"}]
//   GET  /nodes/position       data: [{"node": name, "_name": name, "id",
//                              "role", "position": [x, y]}]
//   GET  /nodes/move?x=N&y=N[&client_id=C&sequence=S]
//                              a missing x or y is 0, as in the original
//   POST /nodes/move           body {"x", "y"} (or {"dx", "dy"}), both
//                              required; optional "client_id", "sequence".
//                              Moves the whole
//                              formation by (x, y) through the leader. Without
//                              a client id the proxy makes one, so its own
//                              retries apply once. data: {"term", "index",
//                              "result" ("moved"|"duplicate"), "lead": [x, y],
//                              "positions": [{"id", "node", "_name", "position"}]}
//   GET  /mission              data: {"target": [x, y], "running", "steps_taken",
//                              "lead": [x, y]}
//   POST /mission              body {"action": "start"|"pause"|"set", "x", "y"};
//                              data as the node API's answer (term, index, mission)
//   GET  /elections            data: {"<term>": [candidacy, ...], ...};
//                              candidacy = {"candidate" (id), "_name" (its
//                              host:port), "term", "outcome" (won|lost|split|
//                              superseded|pending), "ballots": [{"sender"
//                              (voter's name), "receiver" (candidate's name),
//                              "term", "type": 2, "data": {"response":
//                              granted}, "voter" (id), "granted", "reason"
//                              (refusal or null)}, ...], "ballots_by_id":
//                              {"<voter>": true|false}, "reasons": {"<voter>":
//                              "<refusal>"}}; a name is null for a node the
//                              proxy does not know (records_json.hpp)
//   GET  /elections?term=N     data: {"<N>": [...]}; 404 if none recorded
//   GET  /leaders              data: {"<term>": {"id", "name", "_name", "term",
//                              "votes", "voters", "no_of_votes",
//                              "no_of_expected_voters" (= voters),
//                              "no_of_voters" (answered before it won, itself
//                              included), "no_of_opposing_votes",
//                              "leader_by_timeout" (false), "voted_for_me"
//                              (names of the others that granted),
//                              "voted_for_me_ids", "timestamp" (seconds since
//                              epoch, float), "timestamp_ms" (integer ms)}};
//                              records_json.hpp gives each field's meaning
//   GET  /leaders?term=N       data: {"<N>": {...}}; 404 if none recorded
//   GET  /logs[?from=N&limit=M]  data: {"<name>": [entry, ...], ...} per
//                              reachable node: the entries it applied since it
//                              started (it keeps the last 10,000); entry =
//                              {"index", "term", "type", "command"}
//   GET  /logs?ip=ADDR         data: [entry, ...] of one node (ADDR as for
//                              /nodes?ip=); 404 if unknown
//   POST /members/add          body {"id", "address"}: adds a learner (the node
//                              must then be started with that id and address)
//   POST /members/remove       body {"id", "force"?}: refused with 409 when the
//                              voters still reachable after the removal would
//                              not be a majority of the new configuration,
//                              unless force is true
//   POST /transfer-leader      body {"to"?}: hands leadership to `to`, or to the
//                              most caught-up voter; data: {"from", "to", "term"}
//   GET  /chaos                the built-in faults in force on each node
//   POST /chaos                body {"target", "kind", ...}: a built-in fault
//                              (chaos/fault.hpp) on nodes by id or by role
//                              (all, leader, followers, minority, majority),
//                              resolved when the proxy acts; data {"target",
//                              "nodes": [{"id", "name", "faults"|"error"}]}
//   POST /chaos/heal           body {"target"?}: clears them (default: all)
//   GET  /record               the recording of the event stream: {"recording",
//                              "file", "started_ms", "bytes", "lines",
//                              "snapshots", "events_dropped", "stopped_reason"}
//   POST /record               body {"action": "start", "file", "overwrite"?} or
//                              {"action": "stop"}: records the event stream to
//                              a file on the proxy's machine (RECORDING in
//                              man/raftescort-proxy.1); 400 for a path with
//                              "..", in a missing directory, or an existing
//                              file without overwrite; 409 for a start while
//                              recording or a stop while not
//   POST /lesson               body {"lesson", "title", "step", "steps",
//                              "heading", "text"?, "state", "detail"?}: a
//                              guided lesson's banner on the dashboard
//                              (proxy/lesson/lesson_banner.hpp gives each
//                              field's limits); data {"lesson": BANNER}, the
//                              body with text and detail defaulted to "",
//                              plus "at_ms" and "by"; a 400 names the field.
//                              Cleared by the proxy after 10 minutes without
//                              an update while running, 2 once passed or failed
//   POST /lesson/clear         takes the banner down; data {"lesson": null}
//   GET  /lesson               data {"lesson": BANNER or null}
//   GET  /metrics              Prometheus text format (version 0.0.4)
//   GET  /events               server-sent events: "status" (data: the /nodes
//                              list plus leader and term, at most every 250 ms
//                              and whenever it changes), "record" (each
//                              Redis stream event: {"id", "kind", "node",
//                              "term", "index", "detail", "timestamp"}),
//                              "trace" (the Raft messages the nodes send) and
//                              "lesson" (BANNER, or {"cleared": true}; a new
//                              stream gets the banner in force first)
//
// Bad input (non-integer or out-of-range x/y, unknown term, malformed JSON,
// body over 16 KiB) is a 4xx with a clear message; an unknown path is 404.
//
// ## Who may do what
//
// Reads and moves (GET and POST /nodes/move) are open. POST /mission,
// /members/add, /members/remove, /transfer-leader, /chaos and /chaos/heal
// change the cluster and
// need "Authorization: Bearer <admin token>": without it 401 (with
// WWW-Authenticate: Bearer realm="raftescort" and a message saying how to get
// one), with another token 401 "wrong admin token", compared in constant
// time. Until the proxy knows the cluster token (given, or learned from
// Redis) they answer 503. POST /record, /lesson and /lesson/clear change
// only the proxy and need the admin token too (never a 503). No GET changes
// the cluster except the original GET /nodes/move. Every POST must be sent
// as application/json (415 otherwise), which rules out cross-site HTML form
// posts.

#include <raftescort/transport/tls.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>

namespace raftescort::proxy {

struct ProxySettings {
    std::string listen_host = "0.0.0.0";
    std::uint16_t listen_port = 8888;
    std::string redis_url = "redis://127.0.0.1:6379";
    /// The cluster whose Redis keys to read (node --cluster).
    std::string cluster_id = "raftescort";
    /// Sent to the nodes (X-Raftescort-Token) on the change requests it
    /// forwards; empty means "learn it from Redis" (until then the change
    /// routes answer 503).
    std::string cluster_token;
    /// Required as "Authorization: Bearer TOKEN" on the routes that change
    /// the cluster; empty means "generate one at start and log it once".
    std::string admin_token;
    /// Replaces the password of redis_url when not empty (REDIS_PASSWORD_FILE).
    std::string redis_password;
    /// How often every node's /status is polled.
    std::int64_t poll_interval_ms = 250;
    /// How long a move or mission request may take before 503.
    std::int64_t request_timeout_ms = 5000;
    /// Enabled: the proxy serves HTTPS (any client may connect; the admin
    /// token still guards changes) and reaches the nodes with this
    /// certificate, trusting only nodes whose certificate the CA signed.
    transport::TlsFiles tls;
    /// Not empty: record the event stream to this file from the start
    /// (man/raftescort-proxy.1, RECORDING); an existing file is refused.
    std::string record_file;
    /// A recording stops when its file would grow past this.
    std::uint64_t record_bytes_max = 64ull * 1024 * 1024;
};

/// Runs the proxy until SIGTERM or SIGINT (returns Ok) or a fatal error.
util::Status run_proxy(const ProxySettings& settings);

} // namespace raftescort::proxy
