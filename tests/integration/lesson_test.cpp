// Integration: a real `raftescort proxy` shows a guided lesson's banner to
// whoever watches: POST /lesson needs the admin token, GET /lesson and the
// event stream show what was posted, a new stream gets the banner in force,
// and a clear reaches them all.

#include "integration/local_cluster.hpp"
#include "integration/proxy_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

json running_banner()
{
    return json{{"lesson", "leader-election"},
                {"title", "Leader election"},
                {"step", 2},
                {"steps", 5},
                {"heading", "The leader is gone"},
                {"text", "The leader was paused. Its followers stop hearing heartbeats; the first "
                         "whose election timeout runs out becomes a candidate."},
                {"state", "running"}};
}

constexpr Milliseconds k_event_wait{5000};

} // namespace

TEST_CASE("proxy_shows_a_lesson_banner", "[integration][proxy][lesson]")
{
    // Goal: the lesson routes of a live proxy answer as their contract says,
    // and every change reaches the event stream, old and new subscribers.
    // Method: a one-node cluster and a proxy; an event stream opened before
    // anything is posted, another after; the banner posted, read, cleared.
    ClusterOptions options;
    options.name = "lesson";
    LocalCluster cluster(options);
    cluster.bootstrap(1);
    ProxyProcess proxy(cluster);
    proxy.start();
    proxy.wait_until_serving();
    NodeClient operator_client("127.0.0.1", proxy.port());
    NodeClient anonymous("127.0.0.1", proxy.port(), false);

    CHECK(envelope_data(anonymous.get("/lesson"), 200) == json{{"lesson", nullptr}});
    EventStreamReader early(proxy.port());

    const HttpReply refused = anonymous.post("/lesson", running_banner());
    envelope_data(refused, 401);
    CHECK(refused.json.value("message", "").find("admin token") != std::string::npos);
    CHECK(envelope_data(anonymous.post("/lesson/clear", json::object()), 401).is_null());
    json wrong = running_banner();
    wrong["step"] = 6;
    const HttpReply out_of_range = operator_client.post("/lesson", wrong);
    envelope_data(out_of_range, 400);
    CHECK(out_of_range.json.value("message", "").find("\"step\"") != std::string::npos);

    const json posted = envelope_data(operator_client.post("/lesson", running_banner()), 200);
    const json banner = posted["lesson"];
    CHECK(banner["title"] == "Leader election");
    CHECK(banner["step"] == 2);
    CHECK(banner["at_ms"].is_number_integer());
    CHECK(banner["by"].get<std::string>().find("127.0.0.1") != std::string::npos);
    CHECK(envelope_data(anonymous.get("/lesson"), 200)["lesson"] == banner);

    const auto shown = early.wait_for("lesson", k_event_wait, [&](const json& data) {
        return data == banner;
    });
    CHECK(shown.has_value());
    // A stream opened now gets the banner in force at once.
    EventStreamReader late(proxy.port());
    CHECK(late.wait_for("lesson", k_event_wait, [&](const json& data) { return data == banner; })
              .has_value());

    CHECK(envelope_data(operator_client.post("/lesson/clear", json::object()), 200)
          == json{{"lesson", nullptr}});
    CHECK(envelope_data(anonymous.get("/lesson"), 200) == json{{"lesson", nullptr}});
    const json cleared{{"cleared", true}};
    for (EventStreamReader* reader : {&early, &late}) {
        CHECK(reader->wait_for("lesson", k_event_wait, [&](const json& data) {
                        return data == cleared;
                    })
                  .has_value());
    }
    // Idempotent: a second clear answers the same and sends nothing more.
    CHECK(envelope_data(operator_client.post("/lesson/clear", json::object()), 200)
          == json{{"lesson", nullptr}});
    // A stream opened after the clear gets no banner.
    EventStreamReader after(proxy.port());
    CHECK(after.wait_for("status", k_event_wait, [](const json&) { return true; }).has_value());
    CHECK_FALSE(after.wait_for("lesson", Milliseconds(500), [](const json&) { return true; })
                    .has_value());
    std::size_t lesson_events = 0;
    for (const EventStreamReader::Event& event : early.events()) {
        lesson_events += event.name == "lesson" ? 1 : 0;
    }
    CHECK(lesson_events == 2);
    proxy.stop();
}
