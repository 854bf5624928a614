#pragma once

// The Redis registry and record: which nodes exist, every election, the
// leader of every term, and an event stream (keys: man/raftescort.1, REDIS KEYS).
//
// Redis is a record, never the source of truth: the node keeps electing and
// committing while Redis is down. Every record therefore goes into a bounded
// outbox first, and flush() writes what it can. The exceptions are the
// bootstrap claim and node id allocation: a starting node needs their answer
// before it can run, so they write synchronously. Nothing here starts a
// thread or reads a clock; the caller passes `now_ms` (a monotonic clock) so
// the reconnect backoff is decided by the caller's time, which makes it
// testable without sleeps. A Registry is not thread-safe: one owner drives it.
//
// hiredis never appears in this header; it lives in src/registry/redis/.
// hiredis writes with write(2), so the process must ignore SIGPIPE (the node
// and proxy do, for cpp-httplib too): a write to a socket Redis reset would
// otherwise end the process instead of returning an error.
//
// ## Key schema (the proxy reads it; `<c>` is RegistryOptions::cluster_id)
//
// All ids, terms and indexes are written in decimal.
//
// | key                              | type   | contents                                        |
// |----------------------------------|--------|-------------------------------------------------|
// | raftescort:<c>:nodes             | SET    | every node id ever registered or handed out by  |
// |                                  |        | allocate_node_id (never expires)                |
// | raftescort:<c>:next_id           | STRING | the last id allocate_node_id handed out (an     |
// |                                  |        | INCR counter; missing means none yet)           |
// | raftescort:<c>:bootstrap         | STRING | id of the one node that founds the cluster;     |
// |                                  |        | SET NX by claim_bootstrap, never expires        |
// | raftescort:<c>:cluster-token     | STRING | the cluster token nodes require of each other;  |
// |                                  |        | SET NX by publish_cluster_token (the founder's  |
// |                                  |        | generated one, or a --cluster-token), never     |
// |                                  |        | expires; every node writes it back (NX) on each |
// |                                  |        | registration refresh. Protect Redis with a      |
// |                                  |        | password: this key admits a node to the cluster |
// | raftescort:<c>:node:<id>         | HASH   | id, name (host:port), role, term, timestamp_ms; |
// |                                  |        | PEXPIRE'd to the registration's ttl_ms          |
// | raftescort:<c>:elections         | ZSET   | member = term, score = term                     |
// | raftescort:<c>:election:<term>   | HASH   | candidate:<cand> -> pending|won|lost|split|     |
// |                                  |        |                     superseded                  |
// |                                  |        | ballot:<cand>:<voter> -> "granted" or           |
// |                                  |        |   "refused:<reason>" (raft::vote_refusal_name)  |
// | raftescort:<c>:leaders           | ZSET   | member = term, score = term                     |
// | raftescort:<c>:leader:<term>     | HASH   | id, name, term, votes, voters, timestamp_ms;    |
// |                                  |        | written once (first writer wins, Lua script)    |
// | raftescort:<c>:events            | STREAM | fields kind, node, term, index, detail,         |
// |                                  |        | timestamp_ms; XADD MAXLEN ~ events_length_max   |
// | raftescort:<c>:marker:<client>   | STRING | this client's run id; missing after a reconnect |
// |                                  |        | means Redis lost its data (see redis_was_reset) |
//
// A node id listed in `nodes` whose `node:<id>` hash is gone has not refreshed
// its registration within its TTL, or was allocated to a node that has not
// registered yet: the proxy may show it as unreachable.
// Timestamps (`timestamp_ms`) are wall-clock milliseconds since the Unix epoch
// supplied by the caller; the registry never reads a clock.
//
// Delivery is at least once: a record whose reply was lost to a timeout is
// sent again, so an event can appear twice in the stream. Every other record
// is idempotent (HSET, SADD, ZADD, the write-once leader script).

#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raftescort::registry {

/// The longest cluster token the registry stores or accepts back.
inline constexpr std::size_t k_cluster_token_bytes_max = 256;

/// A parsed `redis://[[user]:password@]host[:port][/db]` URL.
struct RedisUrl {
    std::string host;
    /// 6379 when the URL names none.
    std::uint16_t port = 6379;
    /// Empty when the URL has no credentials; sent with AUTH on every connect.
    std::string username;
    std::string password;
    /// The logical database, selected with SELECT when not 0.
    std::uint32_t database = 0;

    /// The URL with the password replaced by "***", safe for logs and errors.
    std::string redacted() const;
};

/// Parses a Redis URL. Refuses other schemes (including rediss://: no TLS in
/// hiredis 0.14 here), empty hosts, ports outside 1..65535, non-numeric
/// databases and trailing garbage, each with a message naming the problem.
/// Passwords may percent-encode reserved characters (%40 for '@').
util::Result<RedisUrl> parse_redis_url(std::string_view url);

/// Settings for a Registry. Units are in the names; limits are asserted.
struct RegistryOptions {
    RedisUrl url;
    /// Namespaces every key: `raftescort:<cluster_id>:...`. Must be non-empty
    /// and contain no ':' (so keys split unambiguously).
    std::string cluster_id = "default";
    /// Names this client's reset marker, e.g. "node-3" or "proxy". One marker
    /// per client name, so the number of marker keys stays bounded.
    std::string client_name = "client";
    /// Distinguishes this process's run from earlier ones; any unique string.
    std::string run_id = "run";

    /// redisConnectWithTimeout: how long a TCP connect may take.
    std::uint32_t connect_timeout_ms = 200;
    /// redisSetTimeout: how long any one command may block.
    std::uint32_t command_timeout_ms = 200;
    /// First reconnect delay after a failure; doubles up to the maximum and
    /// resets once a connection answers its handshake.
    std::uint32_t reconnect_backoff_initial_ms = 50;
    std::uint32_t reconnect_backoff_max_ms = 5000;
    /// While connected, how often flush() checks that the marker is still
    /// there (catches a FLUSHALL or a restart that did not drop the socket).
    std::uint32_t marker_check_interval_ms = 1000;

    /// Bound on records waiting to be written; see Registry for what is dropped.
    std::size_t outbox_records_max = 10000;
    /// Records sent per pipelined round trip inside flush().
    std::size_t pipeline_records_max = 256;
    /// Approximate cap of the event stream (XADD MAXLEN ~).
    std::size_t events_length_max = 10000;
};

/// A node's registration; refreshed by the node well within `ttl_ms`.
struct NodeRegistration {
    raft::NodeId id;
    /// Advertised `host:port`; the proxy and the API call it `name`.
    std::string address;
    /// "leader", "follower", "candidate", "pre_candidate" or "learner" (man/raftescort.1,
    /// REDIS KEYS).
    std::string role;
    raft::Term term;
    /// After this long without a refresh the registration disappears.
    std::uint64_t ttl_ms = 10000;
    std::int64_t timestamp_ms = 0;
};

/// How a candidacy ended. `pending` until the candidate records an outcome.
enum class ElectionOutcome : std::uint8_t { pending, won, lost, split, superseded };

const char* election_outcome_name(ElectionOutcome outcome);
std::optional<ElectionOutcome> parse_election_outcome(std::string_view name);

/// One vote in one candidacy. An options struct, since candidate and voter
/// are both NodeIds and must never be swapped.
struct Ballot {
    raft::Term term;
    raft::NodeId candidate;
    raft::NodeId voter;
    bool granted = false;
    /// Why the vote was refused; must be `none` exactly when granted.
    raft::VoteRefusal refusal = raft::VoteRefusal::none;
};

/// The leader of one term, written once per term.
struct LeaderRecord {
    raft::NodeId id;
    /// The leader's advertised `host:port`.
    std::string name;
    raft::Term term;
    /// Votes the leader received, and voters in its configuration.
    std::uint32_t votes = 0;
    std::uint32_t voters = 0;
    std::int64_t timestamp_ms = 0;

    bool operator==(const LeaderRecord&) const = default;
};

/// fault: a built-in fault put in force or healed (chaos/fault.hpp).
enum class EventKind : std::uint8_t { role_change, election, membership, applied_move, fault };

const char* event_kind_name(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view name);

/// One entry of the event stream.
struct Event {
    EventKind kind = EventKind::role_change;
    raft::NodeId node;
    raft::Term term;
    raft::Index index;
    /// Free text for people, e.g. "follower -> candidate" or "move 1 0".
    std::string detail;
    std::int64_t timestamp_ms = 0;
    /// The stream id Redis assigned ("1700000000000-0"); empty before writing.
    std::string stream_id;
};

/// A ballot as read back.
struct BallotRecord {
    raft::NodeId voter;
    bool granted = false;
    /// vote_refusal_name() of the refusal; empty when granted.
    std::string refusal;
};

struct CandidacyRecord {
    raft::NodeId candidate;
    ElectionOutcome outcome = ElectionOutcome::pending;
    /// Sorted by voter id.
    std::vector<BallotRecord> ballots;
};

/// Every candidacy of one term, sorted by candidate id.
struct ElectionRecord {
    raft::Term term;
    std::vector<CandidacyRecord> candidacies;
};

/// Registered nodes as read back.
struct NodeListing {
    /// Registrations still within their TTL, sorted by id.
    std::vector<NodeRegistration> live;
    /// Known ids whose registration has expired, sorted.
    std::vector<raft::NodeId> expired;
};

/// Two different leaders recorded for one term: an election-safety violation
/// (Raft §5.2 allows at most one leader per term). Never retried.
struct LeaderConflict {
    raft::Term term;
    raft::NodeId recorded;
    raft::NodeId attempted;
};

/// What one flush() did. Callers must look at leader_conflicts: each one is
/// an election-safety violation to log loudly.
struct FlushReport {
    std::size_t records_written = 0;
    /// Leader records refused because another leader holds the term.
    std::vector<LeaderConflict> leader_conflicts;
    /// The last failure, if the connection failed during this flush.
    std::optional<util::Error> error;
};

/// Lifetime counters, for /metrics and tests.
struct RegistryCounters {
    /// Records accepted into the outbox.
    std::uint64_t queued = 0;
    /// Records Redis acknowledged.
    std::uint64_t written = 0;
    /// Records dropped from a full outbox.
    std::uint64_t dropped = 0;
    /// Queued registrations replaced by a newer one for the same node.
    std::uint64_t coalesced = 0;
    /// Connections established after the first one.
    std::uint64_t reconnects = 0;
    /// Failed connection attempts and failed round trips.
    std::uint64_t failures = 0;
    std::uint64_t leader_conflicts = 0;
    /// Records Redis answered with an error reply (e.g. WRONGTYPE because
    /// someone else wrote the key): dropped, since a retry would fail again.
    std::uint64_t rejected = 0;
    /// Times the reset marker was found missing.
    std::uint64_t resets_detected = 0;
};

/// The registry client. Writes are queued and written by flush(); reads are
/// synchronous. Every call that may touch the network takes `now_ms`.
///
/// Outbox ranking, lowest first, for what a full outbox drops: events (a
/// record of history that the log can regenerate and that the stream trims
/// anyway), then registrations (the node refreshes them every few seconds),
/// then election and leader records (the history the API promises). A full
/// outbox drops the OLDEST record of the lowest rank present; it never blocks.
/// A registration also replaces any queued registration of the same node.
class Registry {
public:
    explicit Registry(RegistryOptions options);
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// Queue a node registration: HSET node:<id>, PEXPIRE, SADD nodes.
    void register_node(const NodeRegistration& registration);
    /// Queue a candidacy (outcome pending) for `term`.
    void record_candidacy(raft::Term term, raft::NodeId candidate);
    /// Queue one ballot; creates the candidacy if it was not recorded yet.
    void record_ballot(const Ballot& ballot);
    /// Queue a candidacy's outcome; a later outcome overwrites an earlier one.
    void record_outcome(raft::Term term, raft::NodeId candidate, ElectionOutcome outcome);
    /// Queue the leader of a term. The first leader written wins; the same
    /// leader again is a no-op; a different one is reported by flush() as a
    /// LeaderConflict and counted.
    void record_leader(const LeaderRecord& leader);
    /// Queue an event for the stream.
    void record_event(const Event& event);

    /// Connect if the backoff allows, then write queued records in order,
    /// pipelined, until the outbox is empty or the connection fails. Blocks at
    /// most about connect_timeout_ms + command_timeout_ms per failed attempt.
    [[nodiscard]] FlushReport flush(std::int64_t now_ms);

    /// True once this client's marker key was found missing (on a reconnect,
    /// or by the periodic check while connected, which also catches a
    /// FLUSHALL), or after mark_lost(); stays true until acknowledge_reset().
    /// The node then re-registers and re-writes what its log knows. The very
    /// first connection never reports a reset: it cannot tell an empty Redis
    /// from a new cluster, and a starting node writes everything anyway.
    bool redis_was_reset() const;
    void acknowledge_reset();
    /// The caller knows Redis lost records (e.g. an operator flushed it).
    void mark_lost();

    /// Drop the connection now (e.g. before a long pause); the next flush or
    /// read reconnects, subject to the backoff.
    void disconnect();

    bool connected() const;
    /// The most recent failure (connect, AUTH, timeout, error reply), if any;
    /// cleared by a successful connection. Never contains the password.
    const std::optional<util::Error>& last_error() const;
    const RegistryCounters& counters() const;
    std::size_t outbox_size() const;
    /// When the next connection attempt is allowed, in the caller's now_ms.
    std::int64_t next_connect_ms() const;
    const RegistryOptions& options() const;

    // Reads. Synchronous; they see what Redis holds, not the outbox. Each
    // connects first if needed (subject to the backoff) and fails with
    // ErrorCode::unavailable when Redis cannot be reached.

    util::Result<NodeListing> list_nodes(std::int64_t now_ms);
    /// Every recorded term's election, in term order.
    util::Result<std::vector<ElectionRecord>> read_elections(std::int64_t now_ms);
    /// One term's election; ErrorCode::not_found if none was recorded.
    util::Result<ElectionRecord> read_election(std::int64_t now_ms, raft::Term term);
    /// Every recorded leader, in term order.
    util::Result<std::vector<LeaderRecord>> read_leaders(std::int64_t now_ms);
    /// One term's leader; ErrorCode::not_found if none was recorded.
    util::Result<LeaderRecord> read_leader(std::int64_t now_ms, raft::Term term);
    /// The newest `count` events, oldest first.
    util::Result<std::vector<Event>> read_events(std::int64_t now_ms, std::size_t count);

    // Bootstrap and node ids. Synchronous like the reads (same connect,
    // backoff and ErrorCode::unavailable rules), but these write: they bypass
    // the outbox because the caller needs the answer before it can start.
    // A value in Redis that is not a decimal id (or a key of the wrong type)
    // fails with ErrorCode::corrupt naming the key. If Redis loses its data
    // (see redis_was_reset) the claim and the counter are lost with it, so a
    // node that persisted its id and cluster must trust its own disk instead.

    /// Claims the founding of a new cluster for `node` (SET bootstrap NX) and
    /// returns the id that holds the claim afterwards: `node` when this call
    /// won or `node` already held it, so exactly one node founds the cluster
    /// and retrying after a lost reply is safe. ErrorCode::rejected if the
    /// key was deleted between the SET and the read-back (claim again).
    util::Result<raft::NodeId> claim_bootstrap(std::int64_t now_ms, raft::NodeId node);
    /// Who holds the bootstrap claim; nullopt when nobody claimed it yet.
    util::Result<std::optional<raft::NodeId>> read_bootstrap_claim(std::int64_t now_ms);
    /// Reserves a node id no other caller got and no node registered: one
    /// script INCRs next_id until the value is not in `nodes`, then SADDs it
    /// there, atomically across clients. An id whose reply was lost to a
    /// timeout stays reserved and unused; ids are never reused.
    util::Result<raft::NodeId> allocate_node_id(std::int64_t now_ms);
    /// Whether `node` is in `nodes` (registered or allocated, ever).
    util::Result<bool> node_known(std::int64_t now_ms, raft::NodeId node);

    // The cluster token (same rules as the bootstrap claim: synchronous,
    // written around the outbox). A value in Redis that is not a token
    // (printable ASCII without spaces, 1..k_cluster_token_bytes_max bytes)
    // fails with ErrorCode::corrupt naming the key.

    /// Stores `token` unless Redis already holds one (SET NX) and returns the
    /// token Redis holds afterwards: `token` when this call stored it or it
    /// was already there, another one when someone published first (the
    /// caller compares). ErrorCode::rejected if the key was deleted between
    /// the SET and the read-back (publish again).
    util::Result<std::string> publish_cluster_token(std::int64_t now_ms, const std::string& token);
    /// The cluster token Redis holds; nullopt when none was published yet.
    util::Result<std::optional<std::string>> read_cluster_token(std::int64_t now_ms);

private:
    /// Defined in src/registry/redis/registry_impl.hpp, to keep hiredis out.
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace raftescort::registry
