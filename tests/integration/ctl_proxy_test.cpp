// Integration: `raftescort ctl` against the real proxy in front of real
// nodes and a real redis-server. tests/cli/ctl.sh checks ctl against a fake
// proxy in detail; this checks that the two sides agree on the contract of
// include/raftescort/proxy/proxy.hpp.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// How one ctl invocation ended and what it printed.
struct CtlRun {
    ExitStatus exit;
    std::string out;
    std::string err;
    /// `out` parsed as JSON; discarded (is_discarded()) if it is not JSON.
    json document;

    std::string describe() const
    {
        return exit.describe() + "\nstdout:\n" + out + "stderr:\n" + err;
    }
    bool one_error_line() const
    {
        return out.empty() && !err.empty() && err.find('\n') == err.size() - 1;
    }
};

/// The proxy process, and ctl pointed at it.
class ProxyUnderTest {
public:
    explicit ProxyUnderTest(LocalCluster& cluster)
        : m_cluster(cluster), m_port(find_free_port_on("127.0.0.1")),
          m_url("http://127.0.0.1:" + std::to_string(m_port))
    { }
    ~ProxyUnderTest() { m_process.force_kill(); }

    void start()
    {
        const std::string log = m_cluster.temp_path() + "/proxy.log";
        m_process.start({RAFTESCORT_BINARY, "proxy", "--listen",
                         "127.0.0.1:" + std::to_string(m_port), "--redis", m_cluster.redis().url(),
                         "--cluster", m_cluster.options().name, "--admin-token-file",
                         m_cluster.admin_token_path()},
                        log, log);
    }

    ExitStatus stop() { return m_process.terminate(Milliseconds(5000)); }

    const std::string& url() const { return m_url; }

    /// Runs `raftescort ctl --proxy URL ARGS...` to completion (bounded).
    CtlRun ctl(const std::vector<std::string>& args, const std::string& proxy_url = "")
    {
        const std::string out_path = m_cluster.temp_path() + "/ctl.out";
        const std::string err_path = m_cluster.temp_path() + "/ctl.err";
        std::remove(out_path.c_str());
        std::remove(err_path.c_str());
        std::vector<std::string> argv{RAFTESCORT_BINARY,
                                      "ctl",
                                      "--proxy",
                                      proxy_url.empty() ? m_url : proxy_url,
                                      "--admin-token-file",
                                      m_cluster.admin_token_path()};
        argv.insert(argv.end(), args.begin(), args.end());
        ChildProcess child;
        child.start(argv, out_path, err_path);
        std::optional<ExitStatus> exit = child.wait_exit(Milliseconds(30000));
        REQUIRE(exit.has_value());
        CtlRun run{*exit, file_from(out_path, 0), file_from(err_path, 0), json()};
        run.document = json::parse(run.out, nullptr, /*allow_exceptions=*/false);
        return run;
    }

    /// Polls `ctl ARGS --json` until `predicate(document)` holds.
    json wait_for(const std::vector<std::string>& args, const std::string& what,
                  const std::function<bool(const json&)>& predicate)
    {
        std::vector<std::string> json_args = args;
        json_args.push_back("--json");
        CtlRun last;
        const bool reached = poll_until(
            Milliseconds(15000),
            [&] {
                last = ctl(json_args);
                return last.exit.clean() && !last.document.is_discarded()
                       && predicate(last.document);
            },
            Milliseconds(100));
        INFO("waiting for " << what << "; last run: " << last.describe());
        REQUIRE(reached);
        return last.document;
    }

private:
    LocalCluster& m_cluster;
    std::uint16_t m_port;
    std::string m_url;
    ChildProcess m_process;
};

std::size_t count_of(const std::string& text, const std::string& word)
{
    std::size_t count = 0;
    for (std::size_t at = text.find(word); at != std::string::npos;
         at = text.find(word, at + word.size())) {
        ++count;
    }
    return count;
}

} // namespace

TEST_CASE("ctl_through_the_real_proxy", "[integration][ctl]")
{
    // Goal: every ctl command works against the real proxy, with the exit
    // statuses the manual promises: 0 done, 3 refused, 1 unreachable.
    // Method: bootstrap 3 nodes, start the proxy, run each command as a
    // process (tables and --json); stop one node and ask to remove another
    // (quorum would be lost: refused); stop the proxy and ask again.
    ClusterOptions options;
    options.name = "ctlproxy";
    options.step_interval = Milliseconds(200);
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    ProxyUnderTest proxy(cluster);
    proxy.start();
    json status = proxy.wait_for({"status"}, "a leader, 3 nodes reachable", [](const json& d) {
        return d["status"].value("leader", 0) != 0 && d["status"].value("reachable", 0) == 3;
    });
    REQUIRE(status["nodes"].size() == 3);
    const std::uint64_t leader = status["status"]["leader"].get<std::uint64_t>();

    CtlRun table = proxy.ctl({"status"});
    INFO(table.describe());
    REQUIRE(table.exit.clean());
    CHECK(table.out.rfind("ID  ADDRESS", 0) == 0);
    CHECK(table.out.find("LAST CONTACT") != std::string::npos);
    CHECK(table.out.find("leader " + std::to_string(leader) + " (") != std::string::npos);

    CtlRun moved = proxy.ctl({"move", "2", "-1", "--json"});
    INFO(moved.describe());
    REQUIRE(moved.exit.clean());
    CHECK(moved.document["result"] == "moved");
    CHECK(moved.document["index"].get<std::uint64_t>() > 0);
    CHECK(moved.document["positions"].size() == 3);

    CtlRun elections = proxy.ctl({"elections", "--json"});
    INFO(elections.describe());
    REQUIRE(elections.exit.clean());
    CHECK(elections.document.is_object());
    CtlRun unknown_term = proxy.ctl({"elections", "--term", "99999"});
    INFO(unknown_term.describe());
    CHECK(unknown_term.exit.code == 3);
    CHECK(unknown_term.one_error_line());

    CtlRun leaders = proxy.ctl({"leaders"});
    INFO(leaders.describe());
    REQUIRE(leaders.exit.clean());
    CHECK(leaders.out.rfind("TERM  LEADER  ADDRESS", 0) == 0);
    CtlRun positions = proxy.ctl({"positions", "--json"});
    INFO(positions.describe());
    REQUIRE(positions.exit.clean());
    CHECK(positions.document.size() == 3);
    CtlRun logs = proxy.ctl({"logs", "--node", std::to_string(leader), "--json"});
    INFO(logs.describe());
    REQUIRE(logs.exit.clean());
    CHECK(!logs.document.empty());

    // The Raft log of every node, side by side, and of one node.
    CtlRun raft_log = proxy.ctl({"log", "--limit", "5", "--json"});
    INFO(raft_log.describe());
    REQUIRE(raft_log.exit.clean());
    REQUIRE(raft_log.document.at("nodes").size() == 3);
    for (const json& window : raft_log.document.at("nodes")) {
        CHECK(window.at("entries").size() == 5);
        CHECK(window.at("entries").back().at("index") == window.at("last_index"));
    }
    CtlRun one_log = proxy.ctl({"log", "--node", std::to_string(leader)});
    INFO(one_log.describe());
    REQUIRE(one_log.exit.clean());
    CHECK(one_log.out.rfind("node " + std::to_string(leader) + " (", 0) == 0);
    CHECK(one_log.out.find("INDEX  TERM  TYPE") != std::string::npos);
    // The messages, live, through the proxy's event stream: the mission's
    // steps replicate, so appends and their answers come within a second.
    CtlRun traced = proxy.ctl({"trace", "--count", "6", "--json"});
    INFO(traced.describe());
    REQUIRE(traced.exit.clean());
    std::size_t lines = 0;
    for (std::size_t start = 0, end; (end = traced.out.find('\n', start)) != std::string::npos;
         start = end + 1) {
        json message = json::parse(traced.out.substr(start, end - start), nullptr, false);
        REQUIRE_FALSE(message.is_discarded());
        CHECK(message.contains("type"));
        CHECK(message.at("from") != message.at("to"));
        ++lines;
    }
    CHECK(lines == 6);

    CtlRun paused = proxy.ctl({"mission", "pause"});
    INFO(paused.describe());
    REQUIRE(paused.exit.clean());
    CHECK(paused.out.rfind("mission paused", 0) == 0);
    proxy.wait_for({"mission", "show"}, "the mission paused",
                   [](const json& d) { return d.value("running", true) == false; });

    CtlRun watch = proxy.ctl({"watch", "--count", "2"});
    INFO(watch.describe());
    REQUIRE(watch.exit.clean());
    CHECK(count_of(watch.out, "raftescort ctl watch ") == 2);
    CHECK(watch.out.find('\x1b') == std::string::npos);

    // With one of three voters down, removing another reachable voter would
    // leave 1 of 2 reachable: the proxy refuses, ctl exits 3.
    const std::uint64_t down = leader == 3 ? 2 : 3;
    const std::uint64_t victim = 6 - leader - down;
    cluster.stop_node(down);
    proxy.wait_for({"status"}, "the stopped node unreachable, a leader", [&](const json& d) {
        if (d["status"].value("leader", 0) == 0) {
            return false;
        }
        for (const json& node : d["nodes"]) {
            if (node["id"] == down) {
                return node["role"] == "unreachable";
            }
        }
        return false;
    });
    CtlRun refused = proxy.ctl({"members", "remove", std::to_string(victim)});
    INFO(refused.describe());
    CHECK(refused.exit.code == 3);
    CHECK(refused.one_error_line());
    CHECK(refused.err.find("--force") != std::string::npos);

    CHECK(proxy.stop().clean());
    const auto started = Clock::now();
    CtlRun unreachable = proxy.ctl({"status"});
    INFO(unreachable.describe());
    CHECK(unreachable.exit.code == 1);
    CHECK(unreachable.one_error_line());
    CHECK(unreachable.err.rfind("raftescort ctl status: cannot reach the proxy", 0) == 0);
    CHECK(milliseconds_since(started) < 5000);
}

TEST_CASE("ctl_chaos_through_the_real_proxy", "[integration][ctl][faults]")
{
    // Goal: `ctl chaos` puts built-in faults on the nodes a role names at the
    // moment the proxy acts, shows them with their time left, and heals
    // them; an isolated leader is replaced; bad input is refused before any
    // node is touched (exit 2 for ctl's own checks, 3 for the proxy's).
    ClusterOptions options;
    options.name = "ctlchaos";
    options.step_interval = Milliseconds(200);
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    ProxyUnderTest proxy(cluster);
    proxy.start();
    json status = proxy.wait_for({"status"}, "a leader, 3 nodes reachable", [](const json& d) {
        return d["status"].value("leader", 0) != 0 && d["status"].value("reachable", 0) == 3;
    });
    const std::uint64_t leader = status["status"]["leader"].get<std::uint64_t>();

    CtlRun isolated = proxy.ctl({"chaos", "isolate", "leader", "--for", "20s"});
    INFO(isolated.describe());
    REQUIRE(isolated.exit.clean());
    CHECK(isolated.out.rfind("isolate on node(s) " + std::to_string(leader) + "\n", 0) == 0);
    CHECK(isolated.out.find("isolate for 20s by raftescort-ctl/") != std::string::npos);
    proxy.wait_for({"status"}, "another leader", [&](const json& d) {
        const std::uint64_t now = d["status"].value("leader", std::uint64_t{0});
        return now != 0 && now != leader;
    });
    json shown =
        proxy.wait_for({"chaos", "status"}, "the fault on the old leader only", [&](const json& d) {
            for (const json& node : d["nodes"]) {
                const bool faulted = node["id"] == leader;
                if (node["faults"].size() != (faulted ? 1U : 0U)) {
                    return false;
                }
            }
            return d["nodes"].size() == 3;
        });
    for (const json& node : shown["nodes"]) {
        if (node["id"] == leader) {
            CHECK(node["faults"][0]["kind"] == "isolate");
            CHECK(node["faults"][0]["remaining_ms"].get<std::int64_t>() <= 20000);
        }
    }

    CtlRun healed = proxy.ctl({"chaos", "heal", "--json"});
    INFO(healed.describe());
    REQUIRE(healed.exit.clean());
    CHECK(healed.document["target"].size() == 3);
    for (const json& node : healed.document["nodes"]) {
        CHECK(node["faults"].empty());
    }

    CtlRun split = proxy.ctl({"chaos", "partition", "minority", "--for", "1s", "--json"});
    INFO(split.describe());
    REQUIRE(split.exit.clean());
    REQUIRE(split.document["target"].size() == 1);
    CHECK(split.document["nodes"][0]["faults"][0]["peers"].size() == 2);
    proxy.wait_for({"chaos", "status"}, "the partition healed itself", [](const json& d) {
        for (const json& node : d["nodes"]) {
            if (!node["faults"].empty()) {
                return false;
            }
        }
        return true;
    });

    CtlRun bad_rate = proxy.ctl({"chaos", "drop", "all", "150%"});
    INFO(bad_rate.describe());
    CHECK(bad_rate.exit.code == 2);
    CtlRun unknown_node = proxy.ctl({"chaos", "pause", "9"});
    INFO(unknown_node.describe());
    CHECK(unknown_node.exit.code == 3);
    CHECK(unknown_node.err.find("node 9 is not a node the proxy knows") != std::string::npos);
    CtlRun overlap = proxy.ctl({"chaos", "partition", "1", "--from", "1,2"});
    INFO(overlap.describe());
    CHECK(overlap.exit.code == 3);
    CHECK(overlap.err.find("names this node") != std::string::npos);
}
