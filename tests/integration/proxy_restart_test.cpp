// Integration: the proxy never turns a crash into a lost or doubled move.
// A client streams moves through the proxy while the proxy is killed with
// SIGKILL and restarted; every move the proxy acknowledged is in the log
// exactly once, and a request id that reached the log twice was applied
// once (the second entry is a duplicate). Without quorum a move is a 503
// within the proxy's request timeout, never a 200.

#include "integration/local_cluster.hpp"
#include "integration/proxy_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// What the streaming client saw of one move (its own client id, sequence 1).
struct StreamedMove {
    std::string client_id;
    /// The proxy's 200 answer, if one came.
    std::optional<json> acknowledged;
    /// Attempts that got no answer or a non-200 answer.
    int failed_attempts = 0;
};

/// Sends moves one after the other, each retried with the same request id
/// until the proxy acknowledges it (the proxy may be down meanwhile).
class MoveStreamer {
public:
    explicit MoveStreamer(std::uint16_t proxy_port) : m_port(proxy_port)
    {
        m_thread = std::thread([this] { run(); });
    }
    ~MoveStreamer() { stop(); }

    void stop()
    {
        m_stopping = true;
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    std::size_t acknowledged_count() const { return m_acknowledged.load(); }
    std::vector<StreamedMove> moves()
    {
        std::lock_guard lock(m_mutex);
        return m_moves;
    }

private:
    void run()
    {
        NodeClient proxy("127.0.0.1", m_port);
        for (std::uint64_t k = 1; !m_stopping; ++k) {
            StreamedMove move;
            move.client_id = "stream-" + std::to_string(k);
            const json body{{"x", 1}, {"y", 0}, {"client_id", move.client_id}, {"sequence", 1}};
            // Bounded: a move that no proxy acknowledges within 15 s is left
            // unacknowledged (the checks below then only require it at most once).
            const auto deadline = Clock::now() + Milliseconds(15000);
            while (Clock::now() < deadline) {
                HttpReply reply = proxy.post("/nodes/move", body, Milliseconds(8000));
                if (reply.status == 200) {
                    move.acknowledged = reply.json["data"];
                    break;
                }
                ++move.failed_attempts;
                if (m_stopping) {
                    break;
                }
                std::this_thread::sleep_for(Milliseconds(20));
            }
            std::lock_guard lock(m_mutex);
            m_moves.push_back(move);
            if (move.acknowledged) {
                ++m_acknowledged;
            }
        }
    }

    std::uint16_t m_port;
    std::atomic<bool> m_stopping{false};
    std::atomic<std::size_t> m_acknowledged{0};
    std::mutex m_mutex;
    std::vector<StreamedMove> m_moves;
    std::thread m_thread;
};

} // namespace

TEST_CASE("proxy_restart_keeps_every_move_once", "[integration][proxy]")
{
    // Goal: a proxy crash (SIGKILL, twice) loses no acknowledged move and
    // applies none twice. Method: a client thread streams moves (dx 1, each
    // with its own client id, retried with the same id after a failure);
    // the proxy is killed and restarted twice while it runs; then the
    // leader's log is replayed with the escort's dedup rules.
    ClusterOptions options;
    options.name = "proxy-restart";
    LocalCluster cluster(options);
    cluster.bootstrap(5);
    const NodeStatus before = cluster.wait_for_leader();
    ProxyProcess proxy(cluster, {"--poll-interval", "100ms"});
    proxy.start();
    proxy.wait_until_serving();

    MoveStreamer streamer(proxy.port());
    std::size_t target = 20;
    for (int crash = 1; crash <= 2; ++crash) {
        CHECK(poll_until(Milliseconds(15000),
                         [&] { return streamer.acknowledged_count() >= target; }));
        ExitStatus killed = proxy.kill();
        CHECK_FALSE(killed.exited);
        std::this_thread::sleep_for(Milliseconds(100));
        proxy.start();
        proxy.wait_until_serving();
        target = streamer.acknowledged_count() + 20;
    }
    CHECK(poll_until(Milliseconds(15000), [&] { return streamer.acknowledged_count() >= target; }));
    streamer.stop();
    const std::vector<StreamedMove> moves = streamer.moves();

    // Everything the proxy answered is committed; let every node apply it.
    NodeStatus leader = cluster.wait_converged({1, 2, 3, 4, 5}, Milliseconds(10000));
    ConvoyMirror mirror = cluster.replay_log(leader.id);
    std::size_t acknowledged = 0;
    std::size_t retried = 0;
    for (const StreamedMove& move : moves) {
        INFO("move " << move.client_id << " after " << move.failed_attempts << " failed attempts");
        auto index = mirror.index_of_request(move.client_id, 1);
        if (move.acknowledged) {
            ++acknowledged;
            // Acknowledged: in the log, applied exactly once (the mirror
            // applies a request id once and counts later copies as duplicates).
            REQUIRE(index);
            const json& answer = *move.acknowledged;
            if (answer["result"] == "moved") {
                CHECK(answer["index"] == *index);
            } else {
                // Its first attempt was committed but the answer was lost
                // with the proxy; the retry found it applied.
                CHECK(answer["result"] == "duplicate");
                CHECK(answer["index"].get<std::uint64_t>() > *index);
            }
        }
        retried += move.failed_attempts > 0 ? 1 : 0;
    }
    WARN(moves.size() << " moves streamed, " << acknowledged << " acknowledged, " << retried
                      << " retried after a failed attempt, " << mirror.moves_duplicate()
                      << " duplicate entries in the log");
    CHECK(acknowledged >= 60);
    // Each applied move shifted the convoy by exactly one: none twice.
    CHECK(leader.lead.x - before.lead.x == static_cast<std::int64_t>(mirror.moves_applied()));
    CHECK(mirror.moves_applied() >= acknowledged);
    CHECK(mirror.moves_applied() <= moves.size());

    proxy.stop();
}

TEST_CASE("proxy_move_without_quorum_is_503", "[integration][proxy]")
{
    // Goal: no quorum, no success: with 3 of 5 nodes killed, a move through
    // the proxy is answered 503 within its request timeout (+1 s), with a
    // reason, and never 200. Method: proxy request timeout 2 s; kill three
    // followers; send a move with and without a request id of its own.
    ClusterOptions options;
    options.name = "proxy-no-quorum";
    LocalCluster cluster(options);
    cluster.bootstrap(5);
    ProxyProcess proxy(cluster, {"--request-timeout", "2s", "--poll-interval", "100ms"});
    proxy.start();
    proxy.wait_until_serving();
    NodeClient client("127.0.0.1", proxy.port());
    REQUIRE(poll_until(Milliseconds(10000), [&] {
        return client.get("/status").json["data"].value("reachable", 0) == 5;
    }));
    envelope_data(client.get("/nodes/move?x=1&y=0", Milliseconds(5000)), 200);

    const NodeStatus leader = cluster.wait_for_leader();
    int killed = 0;
    for (std::uint64_t id = 1; id <= 5 && killed < 3; ++id) {
        if (id != leader.id) {
            cluster.kill_node(id);
            ++killed;
        }
    }
    for (const std::string& path : {std::string("/nodes/move?x=1&y=0"),
                                    std::string("/nodes/move?x=0&y=1&client_id=nq&sequence=1")}) {
        const auto start = Clock::now();
        HttpReply reply = client.get(path, Milliseconds(10000));
        const std::int64_t took_ms = milliseconds_since(start);
        INFO(path << ": " << reply.describe() << " after " << took_ms << " ms");
        envelope_data(reply, 503);
        CHECK(took_ms <= 2000 + 1000);
        CHECK(reply.json["message"].get<std::string>().find("may or may not be applied")
              != std::string::npos);
    }
    proxy.stop();
}
