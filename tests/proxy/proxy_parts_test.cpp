// The proxy's small parts on their own: the event hub's bounds, move lanes,
// the Prometheus writer, record JSON aliases, node status parsing.

#include "proxy/api/api_input.hpp"
#include "proxy/api/move_lanes.hpp"
#include "proxy/metrics/prometheus_text.hpp"
#include "proxy/view/event_hub.hpp"
#include "proxy/view/node_view.hpp"
#include "proxy/view/records_json.hpp"
#include "proxy/view/registry_poller.hpp"

#include <raftescort/util/decimal.hpp>
#include <raftescort/util/histogram.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace raftescort;
using namespace raftescort::proxy;
using nlohmann::json;

TEST_CASE("proxy: the event hub drops a client that falls behind", "[proxy]")
{
    EventHubOptions options;
    options.queue_events_max = 4;
    options.records_remembered = 2;
    options.subscribers_max = 2;
    EventHub hub(options);
    hub.publish_status({"status", "{\"n\":0}"});
    hub.publish_record({"record", "{\"r\":1}"});
    hub.publish_record({"record", "{\"r\":2}"});
    hub.publish_record({"record", "{\"r\":3}"});

    // A new subscriber starts with the latest status and the recent records.
    auto reader = hub.subscribe();
    REQUIRE(reader);
    ServerSentEvent event;
    REQUIRE(reader->next(0, event) == EventSubscription::Wait::event);
    CHECK(event.data == "{\"n\":0}");
    REQUIRE(reader->next(0, event) == EventSubscription::Wait::event);
    CHECK(event.data == "{\"r\":2}");
    REQUIRE(reader->next(0, event) == EventSubscription::Wait::event);
    CHECK(event.data == "{\"r\":3}");
    CHECK(reader->next(10, event) == EventSubscription::Wait::timeout);

    auto lagging = hub.subscribe();
    REQUIRE(lagging);
    CHECK_FALSE(hub.subscribe()); // full
    for (int i = 0; i < 4; ++i) {
        hub.publish_status({"status", std::to_string(i)});
        REQUIRE(reader->next(0, event) == EventSubscription::Wait::event);
    }
    CHECK(lagging->dropped());
    CHECK(lagging->next(0, event) == EventSubscription::Wait::closed);
    CHECK(hub.dropped_total() == 1);
    CHECK(hub.subscriber_count() == 1);

    hub.close();
    CHECK(reader->next(1000, event) == EventSubscription::Wait::closed);
    CHECK_FALSE(hub.subscribe());
    CHECK(format_server_sent_event({"status", "{}"}) == "event: status\ndata: {}\n\n");
}

TEST_CASE("proxy: move lanes never share a client id between moves in flight", "[proxy]")
{
    const std::string prefix = MoveLanes::random_prefix();
    CHECK(prefix.size() == 22);
    CHECK(prefix != MoveLanes::random_prefix());
    MoveLanes lanes(prefix, 2);
    auto first = lanes.acquire(0);
    auto second = lanes.acquire(0);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->client_id() != second->client_id());
    CHECK(first->client_id().rfind(prefix + "-", 0) == 0);
    CHECK_FALSE(lanes.acquire(20)); // both busy
    const std::string freed = first->client_id();
    first.reset();
    auto third = lanes.acquire(0);
    REQUIRE(third);
    CHECK(third->client_id() == freed);
    CHECK(third->sequence() == 2);
    std::thread release([&] { second.reset(); });
    auto fourth = lanes.acquire(2000);
    release.join();
    REQUIRE(fourth);
    CHECK(fourth->sequence() == 2);
}

TEST_CASE("proxy: Prometheus text escapes labels and formats values", "[proxy]")
{
    PrometheusText out;
    out.family("a_total", "counter", "Help text.");
    out.sample("a_total", {{"name", "q\"b\\s\nn"}}, 3);
    out.sample("a_total", {}, 0.25);
    util::Histogram histogram({0.001, 0.01});
    histogram.observe(0.0005);
    histogram.observe(0.001);
    histogram.observe(0.5);
    util::HistogramSnapshot snapshot = histogram.snapshot();
    out.histogram("h_seconds", {{"node", "1"}}, snapshot.bounds, snapshot.cumulative,
                  snapshot.count, snapshot.sum);
    CHECK(out.text()
          == "# HELP a_total Help text.\n"
             "# TYPE a_total counter\n"
             "a_total{name=\"q\\\"b\\\\s\\nn\"} 3\n"
             "a_total 0.25\n"
             "h_seconds_bucket{node=\"1\",le=\"0.001\"} 2\n"
             "h_seconds_bucket{node=\"1\",le=\"0.01\"} 2\n"
             "h_seconds_bucket{node=\"1\",le=\"+Inf\"} 3\n"
             "h_seconds_sum{node=\"1\"} 0.5015\n"
             "h_seconds_count{node=\"1\"} 3\n");
    CHECK(PrometheusText::format_value(1e20) == "1e+20");
    CHECK(PrometheusText::format_value(12) == "12");
    CHECK(PrometheusText::format_value(2.5e-9) == "2.5e-09");
}

TEST_CASE("proxy: records carry the original project's fields beside ours", "[proxy]")
{
    // Node 2 won term 7 with its own vote and those of 1 and 4 (3 refused);
    // node 4 is known to no one, so its name is null, not a made-up one.
    registry::ElectionRecord election;
    election.term = raft::Term{7};
    registry::CandidacyRecord candidacy;
    candidacy.candidate = raft::NodeId{2};
    candidacy.outcome = registry::ElectionOutcome::won;
    candidacy.ballots = {{raft::NodeId{1}, true, ""},
                         {raft::NodeId{3}, false, "log_behind"},
                         {raft::NodeId{4}, true, ""}};
    election.candidacies.push_back(candidacy);
    registry::LeaderRecord leader{raft::NodeId{2}, "n2:5000", raft::Term{7}, 3, 5, 1700000000250};
    const NodeNames names{{1, "n1:5000"}, {2, "n2:5000"}, {3, "n3:5000"}};

    json elections = elections_json({election}, names);
    auto ballot = [](json sender, std::uint64_t voter, bool granted, json reason) {
        return json{{"sender", sender},
                    {"receiver", "n2:5000"},
                    {"term", 7},
                    {"type", 2},
                    {"data", {{"response", granted}}},
                    {"voter", voter},
                    {"granted", granted},
                    {"reason", reason}};
    };
    CHECK(elections
          == json({{"7", json::array({json{
                             {"candidate", 2},
                             {"_name", "n2:5000"},
                             {"term", 7},
                             {"outcome", "won"},
                             {"ballots", json::array({ballot("n1:5000", 1, true, nullptr),
                                                      ballot("n3:5000", 3, false, "log_behind"),
                                                      ballot(nullptr, 4, true, nullptr)})},
                             {"ballots_by_id", {{"1", true}, {"3", false}, {"4", true}}},
                             {"reasons", {{"3", "log_behind"}}}}})}}));

    json leaders = leaders_json({leader}, {election}, names);
    CHECK(leaders["7"]
          == json({{"id", 2},
                   {"name", "n2:5000"},
                   {"_name", "n2:5000"},
                   {"term", 7},
                   {"votes", 3},
                   {"voters", 5},
                   {"no_of_votes", 3},
                   {"no_of_voters", 4},
                   {"no_of_opposing_votes", 1},
                   {"no_of_expected_voters", 5},
                   {"leader_by_timeout", false},
                   {"voted_for_me", json::array({"n1:5000", nullptr})},
                   {"voted_for_me_ids", json::array({1, 4})},
                   {"timestamp", 1700000000.25},
                   {"timestamp_ms", 1700000000250}}));
    // The original's identities hold: votes = the others' grants plus its own,
    // voters = votes + opposing.
    CHECK(leaders["7"]["no_of_votes"] == leaders["7"]["voted_for_me"].size() + 1);
    CHECK(leaders["7"]["timestamp"].is_number_float());

    // Without the term's election record nobody knows who answered: null,
    // not an empty list or a zero.
    json unknown = leaders_json({leader}, {}, names)["7"];
    for (const char* field :
         {"voted_for_me", "voted_for_me_ids", "no_of_voters", "no_of_opposing_votes"}) {
        INFO(field);
        CHECK(unknown[field].is_null());
    }
    CHECK(unknown["no_of_votes"] == 3);
    CHECK(unknown["no_of_expected_voters"] == 5);

    // A founder wins alone, without a ballot: one vote of one voter.
    registry::ElectionRecord founding{raft::Term{1}, {{raft::NodeId{1}, {}, {}}}};
    founding.candidacies[0].outcome = registry::ElectionOutcome::won;
    registry::LeaderRecord founder{raft::NodeId{1}, "n1:5000", raft::Term{1}, 1, 1, 1000};
    json alone = leaders_json({founder}, {founding}, names)["1"];
    CHECK(alone["voted_for_me"] == json::array());
    CHECK(alone["no_of_voters"] == 1);
    CHECK(alone["no_of_opposing_votes"] == 0);
    CHECK(alone["leader_by_timeout"] == false);
    CHECK(elections_json({founding}, names)["1"][0]["ballots"] == json::array());
    // A record without a majority is the only one that reads as by timeout.
    registry::LeaderRecord unsound{raft::NodeId{1}, "n1:5000", raft::Term{1}, 1, 3, 1000};
    CHECK(leader_json(unsound, nullptr, names)["leader_by_timeout"] == true);

    CHECK(parse_stream_id("1700000000000-3")
          == std::make_pair<std::uint64_t, std::uint64_t>(1700000000000, 3));
    CHECK(parse_stream_id("17-x") == std::make_pair<std::uint64_t, std::uint64_t>(0, 0));
    CHECK(parse_stream_id("") == std::make_pair<std::uint64_t, std::uint64_t>(0, 0));
}

TEST_CASE("proxy: node status parsing is lenient and input parsing is strict", "[proxy]")
{
    auto parsed = parse_node_status(json{{"id", 3},
                                         {"role", "pre_candidate"},
                                         {"term", 9},
                                         {"unknown_field", {1, 2}},
                                         {"position", nullptr}});
    REQUIRE(parsed.ok());
    CHECK(parsed.value().role == "candidate");
    CHECK(parsed.value().term == 9);
    CHECK_FALSE(parsed.value().position);
    CHECK_FALSE(parse_node_status(json{{"role", "leader"}}).ok());
    CHECK_FALSE(parse_node_status(json{{"id", 1}}).ok());
    CHECK_FALSE(parse_node_status(json::array()).ok());

    CHECK(util::parse_decimal<std::int64_t>("-12") == -12);
    CHECK(util::parse_decimal<std::int64_t>("0") == 0);
    CHECK_FALSE(util::parse_decimal<std::int64_t>("+1"));
    CHECK_FALSE(util::parse_decimal<std::int64_t>("1.0"));
    CHECK_FALSE(util::parse_decimal<std::int64_t>(" 1"));
    CHECK_FALSE(util::parse_decimal<std::int64_t>(""));
    CHECK_FALSE(util::parse_decimal<std::int64_t>("99999999999999999999"));
}
