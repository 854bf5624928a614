// GET /metrics and GET /events of an in-process proxy, and its prompt stop:
// the metrics text parses line by line, an event stream delivers the status
// at once, and stopping the proxy ends streams and requests in flight.

#include "proxy/proxy_harness.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <regex>
#include <sstream>
#include <thread>

using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

/// Every line of a Prometheus text exposition is a comment (# HELP, # TYPE)
/// or `name{labels} value`; returns the lines that are neither.
std::vector<std::string> malformed_metric_lines(const std::string& text)
{
    static const std::regex sample(
        R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"))re"
        R"re((,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? )re"
        R"re((-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[+-]Inf|NaN)$)re");
    static const std::regex comment(R"re(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)re");
    std::vector<std::string> bad;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (!std::regex_match(line, sample) && !std::regex_match(line, comment)) {
            bad.push_back(line);
        }
    }
    return bad;
}

} // namespace

TEST_CASE("proxy: /metrics is Prometheus text with the cluster's families", "[proxy]")
{
    FakeNode leader(1);
    json status = status_body(1, leader.address(), "leader", 4);
    status["metrics"] = json{{"elections_started", 3},
                             {"elections_won", 2},
                             {"leader_changes", 5},
                             {"fsync",
                              {{"count", 7},
                               {"sum_seconds", 0.0021},
                               {"buckets", json::array({json{{"le", 0.0001}, {"count", 1}},
                                                        json{{"le", 0.001}, {"count", 6}},
                                                        json{{"le", 0.01}, {"count", 7}}})}}}};
    status["peers"] = json::array({json{{"id", 2}, {"name", "host\"2:1"}, {"match_index", 7}}});
    leader.set_status(status);
    leader.set_handler([](const std::string&, const json&) {
        return FakeAnswer{200, json{{"term", 4}, {"index", 11}, {"result", "moved"}}};
    });
    FakeNode old_node(3); // reports no "metrics": its series are absent
    old_node.set_status(status_body(3, old_node.address(), "follower", 4, 1, leader.address()));
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.proxy().view().learn(3, old_node.address(), AddressSource::registry);
    harness.wait_for_view(2, 1);
    REQUIRE(harness.get("/nodes/move?x=1&y=0").status == 200);

    Reply reply = harness.get("/metrics");
    REQUIRE(reply.status == 200);
    CHECK(reply.content_type.find("text/plain; version=0.0.4") == 0);
    const std::string& text = reply.body;
    for (const std::string& line : malformed_metric_lines(text)) {
        FAIL_CHECK("not a metric line: " << line);
    }
    const std::string one = "node=\"1\",name=\"" + leader.address() + "\"";
    for (const std::string& expected : {
             "raftescort_node_up{" + one + "} 1",
             "raftescort_node_role{" + one + ",role=\"leader\"} 1",
             "raftescort_node_role{" + one + ",role=\"follower\"} 0",
             "raftescort_node_is_leader{" + one + "} 1",
             "raftescort_node_term{" + one + "} 4",
             "raftescort_node_commit_index{" + one + "} 10",
             "raftescort_node_applied_index{" + one + "} 10",
             "raftescort_elections_started_total{" + one + "} 3",
             "raftescort_elections_won_total{" + one + "} 2",
             "raftescort_node_leader_changes_total{" + one + "} 5",
             "raftescort_fsync_seconds_bucket{" + one + ",le=\"0.001\"} 6",
             "raftescort_fsync_seconds_bucket{" + one + ",le=\"+Inf\"} 7",
             "raftescort_fsync_seconds_count{" + one + "} 7",
             "raftescort_fsync_seconds_sum{" + one + "} 0.0021",
             std::string("raftescort_leader_present 1"),
             std::string("raftescort_leader_changes_total 0"),
             std::string("raftescort_seconds_without_leader_total "),
             std::string(
                 "raftescort_replication_lag_entries{follower=\"2\",name=\"host\\\"2:1\"} 3"),
             std::string("raftescort_move_commit_seconds_count 1"),
             std::string("raftescort_move_commit_seconds_bucket{le=\"+Inf\"} 1"),
             std::string("raftescort_redis_up 0"),
             std::string(
                 "raftescort_proxy_forwarded_requests_total{path=\"/nodes/move\",code=\"200\"} 1"),
         }) {
        INFO(expected);
        CHECK(text.find(expected) != std::string::npos);
    }
    CHECK(text.find("raftescort_elections_started_total{node=\"3\"") == std::string::npos);
    CHECK(text.find("raftescort_node_up{node=\"3\"") != std::string::npos);
}

TEST_CASE("proxy: /events streams the status and a stop ends it promptly", "[proxy]")
{
    // Goal: an event stream gets a status event at once; stopping the proxy
    // (as on SIGTERM) ends the stream and a move waiting on a slow leader,
    // well within 2 s. Method: a leader that holds every move until the end
    // of the test, a streaming client, then ProxyServer::stop().
    FakeNode leader(1);
    leader.set_status(status_body(1, leader.address(), "leader", 2));
    std::mutex mutex;
    std::condition_variable released_signal;
    bool released = false;
    leader.set_handler([&](const std::string&, const json&) {
        std::unique_lock lock(mutex);
        released_signal.wait_for(lock, std::chrono::seconds(10), [&] { return released; });
        return FakeAnswer{503, json{{"error", "released"}}};
    });
    ProxyHarness harness(8000);
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.wait_for_view(1, 1);

    std::mutex stream_mutex;
    std::string stream;
    std::atomic<bool> stream_ended{false};
    std::thread reader([&] {
        httplib::Client client("127.0.0.1", harness.port());
        client.set_read_timeout(std::chrono::seconds(10));
        client.Get("/events", [&](const char* data, std::size_t length) {
            std::lock_guard lock(stream_mutex);
            stream.append(data, length);
            return true;
        });
        stream_ended = true;
    });
    // The data of the latest complete status event in the stream.
    auto latest_status = [&]() -> json {
        std::lock_guard lock(stream_mutex);
        const std::string marker = "event: status\ndata: ";
        const std::size_t at = stream.rfind(marker);
        if (at == std::string::npos) {
            return nullptr;
        }
        const std::size_t begin = at + marker.size();
        const std::size_t end = stream.find("\n\n", begin);
        if (end == std::string::npos) {
            return nullptr;
        }
        return json::parse(stream.substr(begin, end - begin), nullptr, false);
    };
    const bool streamed = eventually([&] {
        json event = latest_status();
        return event.is_object() && event["leader"] == 1;
    });
    CHECK(streamed);
    json event = latest_status();
    CHECK(event["term"] == 2);
    CHECK(event["leader_name"] == leader.address());
    CHECK(event["nodes"].size() == 1);
    CHECK(event["nodes"][0]["role"] == "leader");

    Reply move;
    std::thread mover([&] { move = harness.get("/nodes/move?x=1&y=0"); });
    CHECK(eventually([&] { return leader.received().size() == 1; }));

    const auto stopping_at = std::chrono::steady_clock::now();
    harness.proxy().stop();
    const auto stop_took = std::chrono::steady_clock::now() - stopping_at;
    CHECK(stop_took < std::chrono::milliseconds(2000));
    CHECK(eventually([&] { return stream_ended.load(); }, std::chrono::milliseconds(2000)));
    mover.join();
    reader.join();
    CHECK(move.status != 200);
    {
        std::lock_guard lock(mutex);
        released = true;
    }
    released_signal.notify_all();
}
