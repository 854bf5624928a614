#pragma once

// LocalCluster: real `raftescort node` processes on loopback with a real
// redis-server, for the integration tests: the layer between the
// deterministic simulator (tests/sim) and docker compose (tests/compose).
//
// Node i listens on, advertises and sends from 127.0.0.(10+i) on a port found
// free by binding that address, so iptables can cut single links (netns.hpp)
// and a restarted node comes back at the same address. Each node has a data
// dir and a log file (its stderr) in the test's temp dir. Every /status the
// fixture reads goes through a ClusterObserver, so election safety and state
// machine safety are checked at every observation, not only at the end.
//
// When the test fails (a REQUIRE unwinding, a failed CHECK, or an invariant
// violation), the destructor prints the tail of every node's log and keeps a
// copy of the logs under $TMPDIR. Processes are stopped by PID only.

#include "integration/test_failures.hpp" // first: it configures Catch2

#include "integration/cluster_checks.hpp"
#include "integration/node_client.hpp"
#include "integration/process.hpp"
#include "integration/wait.hpp"
#include "registry/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifndef RAFTESCORT_BINARY
#error "RAFTESCORT_BINARY must name the built raftescort binary (CMakeLists.txt sets it)"
#endif

namespace raftescort::integration {

using IdSet = std::set<std::uint64_t>;

/// How long a node may take to exit after SIGTERM before it is killed and
/// the clean stop counts as failed.
inline constexpr Milliseconds k_stop_grace{5000};

/// Settings of one test's cluster.
struct ClusterOptions {
    /// The cluster name (--cluster), its Redis key prefix and the temp dir label.
    std::string name = "integration";
    Milliseconds heartbeat{50};
    Milliseconds election_timeout{300};
    Milliseconds step_interval{20};
    /// Empty: no --cluster-token (the founder generates one, shared
    /// through Redis).
    std::string cluster_token;
    std::string log_level = "info";
};

/// "127.0.0.(10+id)": node i's own loopback address.
inline std::string node_host(std::uint64_t id)
{
    REQUIRE(id >= 1);
    REQUIRE(id <= 200);
    return "127.0.0." + std::to_string(10 + id);
}

/// Binds `host`:0 and returns the port the kernel chose. Another process
/// could take it before the node binds it; the node's start check catches it.
inline std::uint16_t find_free_port_on(const std::string& host)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1);
    address.sin_port = 0;
    int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    int named = ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    INFO("binding " << host << ":0");
    REQUIRE(bound == 0);
    REQUIRE(named == 0);
    return ntohs(address.sin_port);
}

inline std::string ids_text(const IdSet& ids)
{
    std::string text = "{";
    for (auto id : ids) {
        text += (text.size() > 1 ? "," : "") + std::to_string(id);
    }
    return text + "}";
}

class LocalCluster {
public:
    explicit LocalCluster(ClusterOptions options = {})
        : m_options(std::move(options)), m_temp_dir("it-" + m_options.name),
          m_failures_at_start(failed_assertions())
    {
        // Writes to a socket a node reset must be errors, not the end of the test.
        ::signal(SIGPIPE, SIG_IGN);
        m_redis = std::make_unique<registry::testing::RedisServer>();
        // Through a file, as an operator should: not on any argv.
        std::ofstream token(admin_token_path());
        token << k_test_admin_token << "\n";
    }

    ~LocalCluster()
    {
        const bool unwinding = std::uncaught_exceptions() > 0;
        // A clean stop is part of the contract (SIGTERM: exit 0); a node that
        // the test crashed, or that refused to start, has already been reaped.
        // All are signalled first and share one deadline, so a slow stop
        // costs 5 s once, not once per node.
        std::vector<std::string> unclean;
        for (auto& [id, node] : m_nodes) {
            node->process.request_stop();
        }
        const auto deadline = Clock::now() + k_stop_grace;
        for (auto& [id, node] : m_nodes) {
            if (node->process.pid() <= 0) {
                continue;
            }
            auto left = std::chrono::duration_cast<Milliseconds>(deadline - Clock::now());
            std::optional<ExitStatus> status =
                node->process.wait_exit(std::max(left, Milliseconds(0)));
            if (!status) {
                node->process.force_kill();
                unclean.push_back("node " + std::to_string(id) + " was still running "
                                  + std::to_string(k_stop_grace.count())
                                  + " ms after SIGTERM (killed)");
            } else if (!status->clean()) {
                unclean.push_back("node " + std::to_string(id) + " " + status->describe()
                                  + " after SIGTERM");
            }
        }
        // On the ASan+UBSan build a report lands in the node's log, even from
        // a node the test killed later: any one is a failure.
        for (auto& [id, node] : m_nodes) {
            std::string log = file_from(node->log_path, 0);
            for (const char* report :
                 {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
                if (log.find(report) != std::string::npos) {
                    unclean.push_back("node " + std::to_string(id) + " log has a sanitizer report ("
                                      + report + ")");
                }
            }
        }
        if (!unwinding) {
            for (const auto& text : unclean) {
                FAIL_CHECK("clean stop: " << text);
            }
            check_invariants();
        }
        if (unwinding || failed_assertions() > m_failures_at_start) {
            dump_logs(unwinding ? "a REQUIRE failed" : "an assertion failed");
        }
    }
    LocalCluster(const LocalCluster&) = delete;
    LocalCluster& operator=(const LocalCluster&) = delete;

    const ClusterOptions& options() const { return m_options; }
    const std::string& temp_path() const { return m_temp_dir.path(); }
    /// The file holding k_test_admin_token, given to every node and proxy.
    std::string admin_token_path() const { return m_temp_dir.join("admin-token"); }

    // --- Processes --------------------------------------------------------

    /// Starts node `id` (reusing its address and data dir if it ran before).
    /// Returns at once; see wait_until_serving.
    void start_node(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        REQUIRE(node.process.pid() <= 0);
        ++node.runs;
        {
            std::ofstream log(node.log_path, std::ios::app);
            log << "==== integration test: starting node " << id << " (run " << node.runs << ") at "
                << node.address() << " ====\n";
        }
        node.run_log_offset = file_size(node.log_path);
        std::vector<std::string> argv = {RAFTESCORT_BINARY, "node", "--no-autopilot"};
        auto option = [&argv](const char* name, std::string value) {
            argv.push_back(name);
            argv.push_back(std::move(value));
        };
        option("--id", std::to_string(id));
        option("--cluster", m_options.name);
        // Listen on and advertise the node's own address: peers then connect
        // from it too, which is what lets iptables cut single links.
        option("--listen", node.address());
        option("--advertise", node.address());
        option("--redis", m_redis->url());
        option("--data-dir", node.data_dir);
        option("--heartbeat", duration_text(m_options.heartbeat));
        option("--election-timeout", duration_text(m_options.election_timeout));
        option("--step-interval", duration_text(m_options.step_interval));
        option("--log-level", m_options.log_level);
        option("--admin-token-file", admin_token_path());
        if (!m_options.cluster_token.empty()) {
            option("--cluster-token", m_options.cluster_token);
        }
        node.process.start(argv, node.stdout_path, node.log_path);
        node.paused = false;
        m_observer.restarted(id);
    }

    /// Waits until node `id` answers GET /health with 200; fails at once if
    /// the process exits meanwhile.
    void wait_until_serving(std::uint64_t id, Milliseconds timeout = Milliseconds(10000))
    {
        NodeSlot& node = slot(id);
        bool serving = poll_until(timeout, [&] {
            if (!node.process.alive()) {
                return true;
            }
            return node.client->healthy();
        });
        if (!node.process.alive()) {
            FAIL("node " << id << " exited while starting: "
                         << node.process.exit_status().value_or(ExitStatus{}).describe() << "\n"
                         << file_tail(node.log_path, 20));
        }
        INFO("node " << id << " log tail:\n" << file_tail(node.log_path, 20));
        REQUIRE(serving);
    }

    /// SIGKILL: the crash fault.
    ExitStatus kill_node(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        node.paused = false;
        return node.process.kill_and_reap();
    }

    /// SIGTERM; requires the clean exit the contract promises.
    void stop_node(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        node.paused = false;
        const auto stopping_at = Clock::now();
        ExitStatus status = node.process.terminate(k_stop_grace);
        const std::int64_t stop_ms = milliseconds_since(stopping_at);
        INFO("node " << id << " " << status.describe() << " " << stop_ms
                     << " ms after SIGTERM; log tail:\n"
                     << file_tail(node.log_path, 20));
        CHECK(status.clean());
    }

    /// SIGSTOP: the process keeps its sockets but answers nothing.
    void pause_node(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        node.process.send_signal(SIGSTOP);
        node.paused = true;
    }

    void resume_node(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        node.process.send_signal(SIGCONT);
        node.paused = false;
    }

    /// Empties the data dir of a stopped node: amnesia.
    void wipe_data_dir(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        REQUIRE(node.process.pid() <= 0);
        std::filesystem::remove_all(node.data_dir);
        std::filesystem::create_directories(node.data_dir);
        m_observer.forget(id);
    }

    ChildProcess& process(std::uint64_t id) { return slot(id).process; }
    std::string address_of(std::uint64_t id) { return slot(id).address(); }
    std::string host_of(std::uint64_t id) { return slot(id).host; }
    std::uint16_t port_of(std::uint64_t id) { return slot(id).port; }
    const std::string& log_path(std::uint64_t id) { return slot(id).log_path; }
    const std::string& data_dir(std::uint64_t id) { return slot(id).data_dir; }
    /// What the node's latest run wrote to stderr.
    std::string log_of_latest_run(std::uint64_t id)
    {
        NodeSlot& node = slot(id);
        return file_from(node.log_path, node.run_log_offset);
    }

    /// Every node the test has started at least once.
    IdSet all_ids() const
    {
        IdSet ids;
        for (const auto& [id, node] : m_nodes) {
            ids.insert(id);
        }
        return ids;
    }

    /// Nodes whose process runs and is not paused.
    IdSet running_ids()
    {
        IdSet ids;
        for (auto& [id, node] : m_nodes) {
            if (node->process.alive() && !node->paused) {
                ids.insert(id);
            }
        }
        return ids;
    }

    // --- Observation ------------------------------------------------------

    NodeClient& client(std::uint64_t id) { return *slot(id).client; }

    /// GET /status, checked by the observer; empty if the node does not answer.
    std::optional<NodeStatus> status(std::uint64_t id)
    {
        auto status = slot(id).client->status();
        if (status) {
            if (status->id != id) {
                m_observer.violation("node " + std::to_string(id) + " reports id "
                                     + std::to_string(status->id));
            }
            m_observer.observe(*status);
        }
        return status;
    }

    /// The statuses of the given nodes (default: the running ones) that answer.
    std::map<std::uint64_t, NodeStatus> statuses(std::optional<IdSet> ids = std::nullopt)
    {
        std::map<std::uint64_t, NodeStatus> result;
        for (auto id : ids ? *ids : running_ids()) {
            if (auto answer = status(id)) {
                result.emplace(id, *answer);
            }
        }
        return result;
    }

    /// Polls node `id` until `predicate(status)` holds; fails with the last
    /// status seen after `timeout`.
    template <typename Predicate>
    NodeStatus wait_for_status(std::uint64_t id, const std::string& what, Milliseconds timeout,
                               Predicate predicate)
    {
        std::optional<NodeStatus> last;
        bool reached = poll_until(timeout, [&] {
            auto answer = status(id);
            if (answer) {
                last = answer;
            }
            return answer && predicate(*answer);
        });
        if (!reached) {
            FAIL("node " << id << " did not reach \"" << what << "\" within " << timeout.count()
                         << " ms; last status: " << (last ? last->summary() : "none"));
        }
        return *last;
    }

    /// Polls `among` (default: the running nodes) until one is a leader that
    /// has committed in its term and satisfies `predicate`.
    template <typename Predicate>
    NodeStatus wait_for_leader(const std::string& what, Milliseconds timeout, Predicate predicate,
                               std::optional<IdSet> among = std::nullopt)
    {
        std::map<std::uint64_t, NodeStatus> last;
        std::optional<NodeStatus> found;
        poll_until(timeout, [&] {
            last = statuses(among);
            // A deposed leader that has not heard of the new term yet still
            // reports itself leader: the highest term wins.
            for (const auto& [id, answer] : last) {
                if (answer.is_serving_leader() && predicate(answer)
                    && (!found || answer.term > found->term)) {
                    found = answer;
                }
            }
            return found.has_value();
        });
        if (!found) {
            FAIL("no leader (" << what << ") within " << timeout.count() << " ms; last statuses:\n"
                               << summaries(last));
        }
        m_leader_hint = found->id;
        return *found;
    }

    NodeStatus wait_for_leader(Milliseconds timeout = Milliseconds(10000),
                               std::optional<IdSet> among = std::nullopt)
    {
        return wait_for_leader(
            "any", timeout, [](const NodeStatus&) { return true; }, std::move(among));
    }

    /// Waits until the leader's configuration is exactly these voters and learners.
    NodeStatus wait_for_members(const IdSet& voters, const IdSet& learners, Milliseconds timeout)
    {
        return wait_for_leader(
            "voters " + ids_text(voters) + " learners " + ids_text(learners), timeout,
            [&](const NodeStatus& leader) {
                return IdSet(leader.voters.begin(), leader.voters.end()) == voters
                       && IdSet(leader.learners.begin(), leader.learners.end()) == learners;
            });
    }

    /// The bootstrap the contract describes: node 1 founds the cluster and
    /// leads; nodes 2..count join through Redis and are promoted. Returns once
    /// the leader lists every node as a voter and all have caught up.
    NodeStatus bootstrap(std::uint64_t count)
    {
        REQUIRE(count >= 1);
        start_node(1);
        wait_until_serving(1);
        wait_for_status(1, "leader of a one-node cluster", Milliseconds(10000),
                        [](const NodeStatus& status) { return status.is_serving_leader(); });
        for (std::uint64_t id = 2; id <= count; ++id) {
            start_node(id);
        }
        for (std::uint64_t id = 2; id <= count; ++id) {
            wait_until_serving(id);
        }
        IdSet all;
        for (std::uint64_t id = 1; id <= count; ++id) {
            all.insert(id);
        }
        wait_for_members(all, {}, Milliseconds(30000));
        return wait_converged(all, Milliseconds(10000));
    }

    /// Waits until every node in `ids` has applied the same index, that index
    /// is their commit index, and their state hashes agree: the quiescent
    /// cluster has converged. Returns the status of one of them.
    NodeStatus wait_converged(const IdSet& ids, Milliseconds timeout)
    {
        std::map<std::uint64_t, NodeStatus> last;
        bool converged = poll_until(timeout, [&] {
            last = statuses(ids);
            if (last.size() != ids.size()) {
                return false;
            }
            const NodeStatus& first = last.begin()->second;
            for (const auto& [id, answer] : last) {
                if (answer.applied_index != first.applied_index
                    || answer.commit_index != answer.applied_index
                    || answer.state_hash != first.state_hash) {
                    return false;
                }
            }
            return true;
        });
        if (!converged) {
            FAIL("nodes " << ids_text(ids) << " did not converge within " << timeout.count()
                          << " ms; last statuses:\n"
                          << summaries(last));
        }
        return last.begin()->second;
    }

    /// Waits until node `id` has applied everything the serving leader had
    /// committed when this was called.
    NodeStatus wait_caught_up(std::uint64_t id, Milliseconds timeout)
    {
        NodeStatus leader = wait_for_leader(timeout);
        const std::uint64_t target = leader.commit_index;
        return wait_for_status(
            id, "applied index >= " + std::to_string(target), timeout,
            [&](const NodeStatus& status) { return status.applied_index >= target; });
    }

    static std::string summaries(const std::map<std::uint64_t, NodeStatus>& all)
    {
        std::ostringstream out;
        for (const auto& [id, answer] : all) {
            out << "  " << answer.summary() << "\n";
        }
        if (all.empty()) {
            out << "  (no node answered)\n";
        }
        return out.str();
    }

    // --- Proposals --------------------------------------------------------

    /// POSTs `path` to whichever of `among` (default: running nodes) leads,
    /// following 421 answers and retrying after 503s and silences until a
    /// 200 or 400 or the timeout. A retried move keeps its (client_id,
    /// sequence), so it is applied at most once. Returns the last answer.
    HttpReply propose(const std::string& path, const nlohmann::json& body, Milliseconds timeout,
                      std::optional<IdSet> among = std::nullopt)
    {
        const auto deadline = Clock::now() + timeout;
        HttpReply last;
        std::uint64_t target = m_leader_hint;
        while (Clock::now() < deadline) {
            const IdSet candidates = among ? *among : running_ids();
            if (candidates.count(target) == 0) {
                target = leader_among(candidates).value_or(0);
            }
            if (target == 0) {
                std::this_thread::sleep_for(Milliseconds(20));
                continue;
            }
            last = client(target).post(path, body);
            if (last.status == 200) {
                m_leader_hint = target;
                return last;
            }
            if (last.status == 400) {
                return last;
            }
            if (last.status == 421 && last.json.is_object() && last.json.contains("leader")
                && last.json["leader"].is_number_unsigned()) {
                const std::uint64_t hinted = last.json["leader"].get<std::uint64_t>();
                if (hinted != 0 && hinted != target && candidates.count(hinted) == 1) {
                    target = hinted;
                    continue;
                }
            }
            target = 0;
            std::this_thread::sleep_for(Milliseconds(20));
        }
        return last;
    }

    HttpReply propose_move(const MoveRequest& request, Milliseconds timeout = Milliseconds(10000),
                           std::optional<IdSet> among = std::nullopt)
    {
        return propose("/move", request.to_json(), timeout, std::move(among));
    }

    HttpReply propose_mission(const nlohmann::json& body,
                              Milliseconds timeout = Milliseconds(10000),
                              std::optional<IdSet> among = std::nullopt)
    {
        return propose("/mission", body, timeout, std::move(among));
    }

    // --- Logs and checks --------------------------------------------------

    /// Node `id`'s applied entries from `from` through `through`, page by page.
    std::vector<LogEntry> fetch_log(std::uint64_t id, std::uint64_t from, std::uint64_t through)
    {
        std::vector<LogEntry> entries;
        std::uint64_t next = from;
        while (next <= through) {
            auto page = client(id).logs(next, 1000);
            INFO("GET /logs?from=" << next << " on node " << id);
            REQUIRE(page);
            if (page->first_index > next) {
                FAIL("node " << id << " no longer remembers entry " << next
                             << " (its window starts at " << page->first_index
                             << "); the test ran more entries than the window holds");
            }
            std::size_t added = 0;
            for (auto& entry : page->entries) {
                if (entry.index >= next && entry.index <= through) {
                    entries.push_back(entry);
                    ++added;
                }
            }
            if (added == 0) {
                break;
            }
            next = entries.back().index + 1;
        }
        return entries;
    }

    /// Replays node `id`'s whole applied log (it must still remember entry
    /// 1) and compares every convoy state observed so far, from any node,
    /// with the replay: escort continuity. Returns the mirror for more checks.
    ConvoyMirror replay_log(std::uint64_t id)
    {
        auto current = status(id);
        REQUIRE(current);
        ConvoyMirror mirror;
        for (const auto& entry : fetch_log(id, 1, current->applied_index)) {
            mirror.apply(entry);
        }
        INFO("replayed node " << id << " through index " << mirror.applied_index());
        CHECK(mirror.applied_index() == current->applied_index);
        std::size_t compared = mirror.check_samples(m_observer.convoy_at_index());
        CHECK(compared > 0);
        for (const auto& text : mirror.violations()) {
            FAIL_CHECK(text);
        }
        return mirror;
    }

    /// replay_log on the first running node that still remembers entry 1
    /// (one restarted from a snapshot may not).
    ConvoyMirror replay_log_of_any_node()
    {
        for (auto id : running_ids()) {
            auto page = client(id).logs(1, 1);
            if (page && page->first_index == 1) {
                return replay_log(id);
            }
        }
        FAIL("no running node remembers the log from entry 1");
        return ConvoyMirror{};
    }

    /// Reports (once) every invariant violation the observer has collected.
    void check_invariants()
    {
        const auto& violations = m_observer.violations();
        for (; m_violations_reported < violations.size(); ++m_violations_reported) {
            FAIL_CHECK(violations[m_violations_reported]);
        }
        CHECK(violations.empty());
    }

    ClusterObserver& observer() { return m_observer; }

    // --- Redis ------------------------------------------------------------

    registry::testing::RedisServer& redis() { return *m_redis; }

    /// A registry client of this cluster's keys, for reading the records.
    registry::Registry& registry()
    {
        if (!m_registry) {
            registry::RegistryOptions options = registry::testing::options_for(m_redis->url());
            options.cluster_id = m_options.name;
            options.client_name = "integration-test";
            options.run_id = "integration-test-" + std::to_string(::getpid());
            options.reconnect_backoff_max_ms = 200;
            m_registry = std::make_unique<registry::Registry>(options);
        }
        return *m_registry;
    }

    /// Waits until Redis holds a leader record for `term`; returns it, or
    /// empty after the timeout.
    std::optional<registry::LeaderRecord> wait_for_leader_record(std::uint64_t term,
                                                                 Milliseconds timeout)
    {
        std::optional<registry::LeaderRecord> record;
        poll_until(
            timeout,
            [&] {
                auto read = registry().read_leader(monotonic_ms(), raft::Term{term});
                if (read.ok()) {
                    record = read.value();
                }
                return record.has_value();
            },
            Milliseconds(50));
        return record;
    }

    // --- Failure output ---------------------------------------------------

    /// Prints the tail of every node's log to stderr and keeps a copy of
    /// the logs (the temp dir is removed with the fixture).
    void dump_logs(const std::string& reason)
    {
        std::ostringstream out;
        out << "\n######## " << m_options.name << ": " << reason << "; node logs follow ########\n";
        for (const auto& text : m_observer.violations()) {
            out << "violation: " << text << "\n";
        }
        std::string kept = keep_logs();
        for (auto& [id, node] : m_nodes) {
            out << "==== node " << id << " at " << node->address() << ", pid "
                << node->process.last_pid() << ", "
                << (node->process.alive()
                        ? std::string("running")
                        : node->process.exit_status().value_or(ExitStatus{}).describe())
                << ": last 40 lines of " << node->log_path << " ====\n"
                << file_tail(node->log_path, 40);
            std::string stdout_tail = file_tail(node->stdout_path, 10);
            if (!stdout_tail.empty()) {
                out << "---- its stdout ----\n" << stdout_tail;
            }
        }
        if (!kept.empty()) {
            out << "######## full logs kept in " << kept << " ########\n";
        }
        std::cerr << out.str() << std::flush;
    }

private:
    struct NodeSlot {
        std::uint64_t id = 0;
        std::string host;
        std::uint16_t port = 0;
        std::string data_dir;
        std::string log_path;
        std::string stdout_path;
        ChildProcess process;
        std::unique_ptr<NodeClient> client;
        int runs = 0;
        bool paused = false;
        std::streamoff run_log_offset = 0;

        std::string address() const { return host + ":" + std::to_string(port); }
    };

    NodeSlot& slot(std::uint64_t id)
    {
        auto found = m_nodes.find(id);
        if (found != m_nodes.end()) {
            return *found->second;
        }
        auto node = std::make_unique<NodeSlot>();
        node->id = id;
        node->host = node_host(id);
        node->port = find_free_port_on(node->host);
        node->data_dir = m_temp_dir.join("node-" + std::to_string(id) + "-data");
        node->log_path = m_temp_dir.join("node-" + std::to_string(id) + ".log");
        node->stdout_path = m_temp_dir.join("node-" + std::to_string(id) + ".stdout.log");
        std::filesystem::create_directories(node->data_dir);
        node->client = std::make_unique<NodeClient>(node->host, node->port);
        return *m_nodes.emplace(id, std::move(node)).first->second;
    }

    /// The serving leader with the highest term among `candidates`.
    std::optional<std::uint64_t> leader_among(const IdSet& candidates)
    {
        std::optional<NodeStatus> found;
        for (const auto& [id, answer] : statuses(candidates)) {
            if (answer.is_serving_leader() && (!found || answer.term > found->term)) {
                found = answer;
            }
        }
        if (!found) {
            return std::nullopt;
        }
        return found->id;
    }

    static std::string duration_text(Milliseconds duration)
    {
        return std::to_string(duration.count()) + "ms";
    }

    /// Copies the node logs to a directory that outlives the test; returns it.
    std::string keep_logs()
    {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp")
                              + "/raftescort-failed-" + m_options.name + "-XXXXXX";
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        if (::mkdtemp(buffer.data()) == nullptr) {
            return {};
        }
        std::error_code ignored;
        for (const auto& entry : std::filesystem::directory_iterator(m_temp_dir.path(), ignored)) {
            if (entry.path().extension() == ".log") {
                std::filesystem::copy_file(
                    entry.path(),
                    std::string(buffer.data()) + "/" + entry.path().filename().string(), ignored);
            }
        }
        return buffer.data();
    }

    ClusterOptions m_options;
    // Declared first, destroyed last: logs and data dirs outlive the nodes.
    raftescort::testing::TempDir m_temp_dir;
    std::uint64_t m_failures_at_start;
    std::unique_ptr<registry::testing::RedisServer> m_redis;
    std::unique_ptr<registry::Registry> m_registry;
    std::map<std::uint64_t, std::unique_ptr<NodeSlot>> m_nodes;
    ClusterObserver m_observer;
    std::size_t m_violations_reported = 0;
    std::uint64_t m_leader_hint = 0;
};

} // namespace raftescort::integration
