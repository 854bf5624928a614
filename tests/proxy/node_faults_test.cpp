// The faults and timing a node reports pass through the proxy's view to
// /nodes and the status events, copied field by field and bounded: a node of
// another version or a broken one can add kinds and fields, send the wrong
// types or far too many faults, and the proxy still answers, small.

#include "proxy/proxy_harness.hpp"
#include "proxy/view/cluster_json.hpp"
#include "proxy/view/node_faults.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

/// A fault as chaos::active_faults_json lists it.
json pause_fault(std::int64_t remaining_ms)
{
    return json{{"kind", "pause"},
                {"for_ms", 30'000},
                {"by", "a test"},
                {"description", "pause for 30s by a test"},
                {"since_ms", 30'000 - remaining_ms},
                {"remaining_ms", remaining_ms}};
}

json partition_fault()
{
    return json{{"kind", "partition"},     {"for_ms", 10'000}, {"peers", json::array({1, 3})},
                {"direction", "both"},     {"since_ms", 0},    {"remaining_ms", 10'000},
                {"description", "cut off"}};
}

} // namespace

TEST_CASE("proxy: a node's faults are copied field by field", "[proxy][faults]")
{
    // Goal: the fields the dashboard draws survive as the node gave them,
    // including kinds the proxy does not know yet (crash, disk-stall).
    json status{{"faults", json::array({pause_fault(1200), partition_fault(),
                                        json{{"kind", "disk-stall"}, {"remaining_ms", 5}},
                                        json{{"kind", "drop"}, {"rate", 0.25}}})}};
    json faults = node_faults_from_status(status);
    REQUIRE(faults.size() == 4);
    CHECK(faults[0] == pause_fault(1200));
    CHECK(faults[1] == partition_fault());
    CHECK(faults[2] == json({{"kind", "disk-stall"}, {"remaining_ms", 5}}));
    CHECK(faults[3]["rate"] == 0.25);
}

TEST_CASE("proxy: broken fault lists give what can be trusted and never throw", "[proxy][faults]")
{
    // Goal: wrong types, unknown fields, odd kinds, and too much of anything
    // are dropped or cut, never passed on and never a reason to throw.
    CHECK(node_faults_from_status(json()) == json::array());
    CHECK(node_faults_from_status(json::array()) == json::array());
    CHECK(node_faults_from_status(json{{"faults", "pause"}}) == json::array());
    CHECK(node_faults_from_status(json{{"faults", json::object()}}) == json::array());

    json odd = json::array({
        json{{"kind", "<script>"}}, // not a word: skipped
        json{{"kind", 7}},          // not a string: skipped
        json{{"remaining_ms", 5}},  // no kind: skipped
        "pause",                    // not an object: skipped
        json{{"kind", "delay"},     // kept, less its broken fields
             {"delay_ms", -5},
             {"jitter_ms", "20"},
             {"remaining_ms", 1e30},
             {"since_ms", 99'999'999'999},
             {"direction", "sideways"},
             {"rate", 3.0},
             {"peers", json::array({2, -1, "3", 0, 4})},
             {"secret", "not passed on"},
             {"description", std::string(1000, 'x') + "\x01"}},
    });
    json faults = node_faults_from_status(json{{"faults", odd}});
    REQUIRE(faults.size() == 1);
    const json& delay = faults[0];
    CHECK(delay["kind"] == "delay");
    CHECK(delay["peers"] == json::array({2, 4}));
    CHECK(delay["description"].get<std::string>().size() == k_node_fault_text_chars_max);
    for (const char* dropped :
         {"delay_ms", "jitter_ms", "remaining_ms", "since_ms", "direction", "rate", "secret"}) {
        INFO(dropped);
        CHECK_FALSE(delay.contains(dropped));
    }

    json many = json::array();
    for (int i = 0; i < 1000; ++i) {
        many.push_back(pause_fault(i));
    }
    CHECK(node_faults_from_status(json{{"faults", many}}).size() == k_node_faults_max);
    json peers = json::array();
    for (int i = 1; i <= 1000; ++i) {
        peers.push_back(i);
    }
    json wide = node_faults_from_status(
        json{{"faults", json::array({json{{"kind", "partition"}, {"peers", peers}}})}});
    CHECK(wide[0]["peers"].size() == k_node_fault_peers_max);
}

TEST_CASE("proxy: a node's timing passes through when it reports one", "[proxy][faults]")
{
    CHECK(node_timing_from_status(json{{"id", 1}}).is_null());
    CHECK(node_timing_from_status(json{{"timing", "fast"}}).is_null());
    CHECK(node_timing_from_status(json{{"timing", json::object()}}).is_null());
    CHECK(node_timing_from_status(json{{"timing", {{"heartbeat_ms", -1}}}}).is_null());
    json timing{{"heartbeat_ms", 50}, {"election_timeout_ms", 300}, {"step_interval_ms", 250}};
    CHECK(node_timing_from_status(json{{"timing", timing}}) == timing);
    json partial{{"heartbeat_ms", 1000}, {"election_timeout_ms", "6s"}, {"extra", 1}};
    CHECK(node_timing_from_status(json{{"timing", partial}}) == json({{"heartbeat_ms", 1000}}));
    // The protocol switches pass as booleans and only as booleans.
    json switches{{"heartbeat_ms", 50}, {"pre_vote", false}, {"check_quorum", "on"}};
    CHECK(node_timing_from_status(json{{"timing", switches}})
          == json({{"heartbeat_ms", 50}, {"pre_vote", false}}));
}

TEST_CASE("proxy: /nodes and the status event carry each node's faults and timing",
          "[proxy][faults]")
{
    // Goal: what a node reports reaches the API; an unreachable node shows
    // no faults (they are not known) but keeps its last timing.
    // Method: two fake nodes; node 2 reports faults and timing, then stops
    // answering.
    FakeNode leader(1);
    json leader_status = status_body(1, leader.address(), "leader", 3);
    leader_status["voters"] = json::array({1, 2});
    leader.set_status(leader_status);
    auto follower = std::make_unique<FakeNode>(2);
    json follower_status = status_body(2, follower->address(), "crashed", 3, 1);
    follower_status["faults"] = json::array({json{{"kind", "crash"}, {"remaining_ms", 20'000}}});
    follower_status["timing"] = json{{"heartbeat_ms", 1000}, {"election_timeout_ms", 6000}};
    follower->set_status(follower_status);
    ProxyHarness harness;
    harness.proxy().view().learn(1, leader.address(), AddressSource::registry);
    harness.proxy().view().learn(2, follower->address(), AddressSource::registry);
    REQUIRE(eventually([&] {
        std::shared_ptr<const ClusterSnapshot> snapshot = harness.proxy().view().snapshot();
        return snapshot->reachable_count() == 2;
    }));

    json nodes = ProxyHarness::check_envelope(harness.get("/nodes"), 200);
    REQUIRE(nodes.size() == 2);
    CHECK(nodes[0]["faults"] == json::array());
    CHECK(nodes[0]["timing"].is_null());
    CHECK(nodes[1]["role"] == "crashed");
    CHECK(nodes[1]["faults"] == json::array({json{{"kind", "crash"}, {"remaining_ms", 20'000}}}));
    CHECK(nodes[1]["timing"] == json({{"heartbeat_ms", 1000}, {"election_timeout_ms", 6000}}));
    json event = status_event_json(*harness.proxy().view().snapshot());
    CHECK(event["nodes"][1]["faults"] == nodes[1]["faults"]);
    CHECK(event["nodes"][1]["timing"] == nodes[1]["timing"]);

    follower.reset();
    REQUIRE(eventually([&] {
        const NodeView* node = harness.proxy().view().snapshot()->find(2);
        return node != nullptr && !node->reachable;
    }));
    nodes = ProxyHarness::check_envelope(harness.get("/nodes"), 200);
    CHECK(nodes[1]["role"] == "unreachable");
    CHECK(nodes[1]["faults"] == json::array());
    CHECK(nodes[1]["timing"]["heartbeat_ms"] == 1000);
}
