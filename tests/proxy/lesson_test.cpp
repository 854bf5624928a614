// The guided lessons' banner: the body check of POST /lesson field by field,
// the board that keeps the banner, publishes it and lets it expire, the
// routes in the envelope, and the banner in a recording and its replay.

#include "proxy/lesson/lesson_banner.hpp"
#include "proxy/lesson/lesson_board.hpp"
#include "proxy/proxy_harness.hpp"
#include "proxy/record/recording_format.hpp"
#include "proxy/replay/recording_file.hpp"
#include "proxy/replay/replay_player.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <string>

using namespace raftescort;
using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;

namespace {

json valid_body()
{
    return json{{"lesson", "leader-election"},
                {"title", "Leader election"},
                {"step", 2},
                {"steps", 5},
                {"heading", "A follower times out"},
                {"text", "The leader is gone. Watch a follower's timer run out."},
                {"state", "running"}};
}

/// The refusal's message for `body`; "" when it was accepted.
std::string refusal(const json& body)
{
    util::Result<json> banner = lesson_banner_from_body(body);
    return banner.ok() ? std::string() : banner.error().message;
}

json with(const char* name, json value)
{
    json body = valid_body();
    body[name] = std::move(value);
    return body;
}

json without(const char* name)
{
    json body = valid_body();
    body.erase(name);
    return body;
}

std::string repeat(const std::string& text, std::size_t count)
{
    std::string result;
    for (std::size_t i = 0; i < count; ++i) {
        result += text;
    }
    return result;
}

/// The next event within a second, or a failure.
ServerSentEvent next_event(EventSubscription& subscription)
{
    ServerSentEvent event;
    REQUIRE(subscription.next(1000, event) == EventSubscription::Wait::event);
    return event;
}

/// The next "lesson" event within a second, past any status (a paused
/// replay sends its status again every second).
json next_lesson(EventSubscription& subscription)
{
    ServerSentEvent event;
    do {
        event = next_event(subscription);
    } while (event.name == "status");
    REQUIRE(event.name == "lesson");
    return json::parse(event.data);
}

bool has_no_event(EventSubscription& subscription)
{
    ServerSentEvent event;
    return subscription.next(0, event) == EventSubscription::Wait::timeout;
}

} // namespace

TEST_CASE("lesson: a valid body becomes the banner, text and detail defaulted",
          "[proxy][lesson]")
{
    util::Result<json> banner = lesson_banner_from_body(valid_body());
    REQUIRE(banner.ok());
    CHECK(banner.value()["lesson"] == "leader-election");
    CHECK(banner.value()["step"] == 2);
    CHECK(banner.value()["steps"] == 5);
    CHECK(banner.value()["detail"] == "");
    CHECK(banner.value().size() == 8);

    util::Result<json> bare = lesson_banner_from_body(without("text"));
    REQUIRE(bare.ok());
    CHECK(bare.value()["text"] == "");

    json failed = with("state", "failed");
    failed["detail"] = "expected a leader in term 3, saw none after 5 s";
    util::Result<json> with_detail = lesson_banner_from_body(failed);
    REQUIRE(with_detail.ok());
    CHECK(with_detail.value()["detail"] == failed["detail"]);
    CHECK(with_detail.value()["state"] == "failed");
}

TEST_CASE("lesson: each missing required field is named", "[proxy][lesson]")
{
    for (const char* name : {"lesson", "title", "step", "steps", "heading", "state"}) {
        INFO(name);
        CHECK(refusal(without(name)) == std::string("missing field \"") + name + "\"");
    }
    CHECK(refusal(json::array()) == "the body must be a JSON object");
}

TEST_CASE("lesson: an unknown field is named", "[proxy][lesson]")
{
    const std::string message = refusal(with("colour", "red"));
    CHECK(message.find("unknown field \"colour\"") == 0);
    CHECK(lesson_body_fields().size() == 8);
}

TEST_CASE("lesson: a field of the wrong type is named", "[proxy][lesson]")
{
    CHECK(refusal(with("lesson", 7)).find("field \"lesson\"") == 0);
    CHECK(refusal(with("title", json::array({"a"}))) == "field \"title\" must be a string");
    CHECK(refusal(with("heading", nullptr)) == "field \"heading\" must be a string");
    CHECK(refusal(with("text", 3)) == "field \"text\" must be a string");
    CHECK(refusal(with("detail", false)) == "field \"detail\" must be a string");
    CHECK(refusal(with("steps", "5")).find("field \"steps\"") == 0);
    CHECK(refusal(with("steps", 5.0)).find("field \"steps\"") == 0);
    CHECK(refusal(with("step", 1.5)).find("field \"step\"") == 0);
    CHECK(refusal(with("state", 1)).find("field \"state\"") == 0);
}

TEST_CASE("lesson: lengths are counted in characters, up to each field's limit",
          "[proxy][lesson]")
{
    struct Limit {
        const char* name;
        std::size_t chars_max;
    };
    for (const Limit& limit : {Limit{"title", 120}, Limit{"heading", 200}, Limit{"text", 2000},
                              Limit{"detail", 2000}}) {
        INFO(limit.name);
        CHECK(refusal(with(limit.name, std::string(limit.chars_max, 'a'))).empty());
        // Two bytes a character: the limit is characters, not bytes.
        CHECK(refusal(with(limit.name, repeat("\xc3\xa9", limit.chars_max))).empty());
        CHECK(refusal(with(limit.name, std::string(limit.chars_max + 1, 'a')))
              == std::string("field \"") + limit.name + "\" must be at most "
                     + std::to_string(limit.chars_max) + " characters, not "
                     + std::to_string(limit.chars_max + 1));
    }
    CHECK(refusal(with("title", "")).empty());
}

TEST_CASE("lesson: the lesson name is 1 to 64 of [a-z0-9-]", "[proxy][lesson]")
{
    CHECK(refusal(with("lesson", "a")).empty());
    CHECK(refusal(with("lesson", std::string(64, 'x'))).empty());
    CHECK(refusal(with("lesson", "log-replication-2")).empty());
    for (const std::string& name : {std::string(), std::string(65, 'x'), std::string("Leader"),
                                   std::string("leader_election"), std::string("a b"),
                                   std::string("../etc"), std::string("caf\xc3\xa9")}) {
        INFO(name);
        CHECK(refusal(with("lesson", name))
              == "field \"lesson\" must be 1 to 64 characters of a-z, 0-9 and \"-\"");
    }
}

TEST_CASE("lesson: steps is 1..64 and step 0..steps", "[proxy][lesson]")
{
    json one_step = with("steps", 1);
    one_step["step"] = 1;
    CHECK(refusal(one_step).empty());
    CHECK(refusal(with("steps", 64)).empty());
    for (const json& steps : {json(0), json(65), json(-1), json(std::uint64_t{1} << 63U)}) {
        INFO(steps.dump());
        CHECK(refusal(with("steps", steps)) == "field \"steps\" must be an integer from 1 to 64");
    }
    CHECK(refusal(with("step", 0)).empty());
    CHECK(refusal(with("step", 5)).empty());
    CHECK(refusal(with("step", 6)) == "field \"step\" must be an integer from 0 to steps (5)");
    CHECK(refusal(with("step", -1)) == "field \"step\" must be an integer from 0 to steps (5)");
}

TEST_CASE("lesson: state is running, passed or failed", "[proxy][lesson]")
{
    for (const char* state : {"running", "passed", "failed"}) {
        CHECK(refusal(with("state", state)).empty());
    }
    for (const char* state : {"done", "Running", ""}) {
        INFO(state);
        CHECK(refusal(with("state", state))
              == "field \"state\" must be \"running\", \"passed\" or \"failed\"");
    }
}

TEST_CASE("lesson: strings must be valid UTF-8 text", "[proxy][lesson]")
{
    // Invalid sequences: a stray continuation byte, an overlong "/", a
    // surrogate, a byte past F4, a sequence cut short.
    for (const std::string& bad : {std::string("a\x80"), std::string("\xc0\xaf"),
                                  std::string("\xed\xa0\x80"), std::string("\xf5\x80\x80\x80"),
                                  std::string("\xe2\x82")}) {
        CHECK_FALSE(scan_text(bad, true).valid_utf8);
        CHECK(refusal(with("heading", bad)) == "field \"heading\" must be valid UTF-8");
    }
    const TextScan mixed = scan_text("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80", false);
    CHECK(mixed.valid_utf8);
    CHECK(mixed.chars == 4);
    CHECK_FALSE(mixed.has_control);

    // A paragraph may break lines; a title may not, and nothing holds other
    // control characters (C0, DEL, C1).
    CHECK(refusal(with("text", "First.\nSecond.\tThird.")).empty());
    CHECK(refusal(with("title", "two\nlines"))
          == "field \"title\" must be one line without control characters");
    CHECK(refusal(with("text", std::string("bell\x07")))
          == "field \"text\" may hold no control character but line feeds and tabs");
    CHECK(scan_text("\x7f", true).has_control);
    CHECK(scan_text("\xc2\x85", true).has_control);
    CHECK_FALSE(scan_text("\xc2\xa0", true).has_control);
}

TEST_CASE("lesson: the board stamps, publishes and clears the banner", "[proxy][lesson]")
{
    EventHub hub(EventHubOptions{});
    std::atomic<std::int64_t> now{1'000'000};
    LessonBoardOptions options;
    options.now_ms = [&now] { return now.load(); };
    LessonBoard board(hub, options);
    CHECK(board.current().is_null());
    auto watcher = hub.subscribe();
    REQUIRE(watcher);

    const json banner = lesson_banner_from_body(valid_body()).value();
    const json stored = board.post(banner, "raftescort-ctl/0.1.0 at 127.0.0.1");
    CHECK(stored["at_ms"] == 1'000'000);
    CHECK(stored["by"] == "raftescort-ctl/0.1.0 at 127.0.0.1");
    CHECK(board.current() == stored);
    ServerSentEvent event = next_event(*watcher);
    CHECK(event.name == "lesson");
    CHECK(json::parse(event.data) == stored);

    // A new subscriber gets the banner in force at once, after the status.
    hub.publish_status({"status", "{\"term\":1}"});
    CHECK(next_event(*watcher).name == "status");
    auto late = hub.subscribe();
    REQUIRE(late);
    CHECK(next_event(*late).name == "status");
    event = next_event(*late);
    CHECK(event.name == "lesson");
    CHECK(json::parse(event.data)["step"] == 2);

    board.clear();
    event = next_event(*watcher);
    CHECK(event.name == "lesson");
    CHECK(json::parse(event.data) == json{{"cleared", true}});
    CHECK(board.current().is_null());
    // Clearing nothing changes nothing, and publishes nothing.
    board.clear();
    CHECK(has_no_event(*watcher));
    auto after_clear = hub.subscribe();
    REQUIRE(after_clear);
    CHECK(next_event(*after_clear).name == "status");
    CHECK(has_no_event(*after_clear));
}

TEST_CASE("lesson: a running banner expires after 10 minutes without an update, a finished "
          "one after 2",
          "[proxy][lesson]")
{
    EventHub hub(EventHubOptions{});
    std::atomic<std::int64_t> now{5'000'000};
    LessonBoardOptions options;
    options.now_ms = [&now] { return now.load(); };
    LessonBoard board(hub, options);
    auto watcher = hub.subscribe();
    REQUIRE(watcher);
    const json running = lesson_banner_from_body(valid_body()).value();
    constexpr std::int64_t minute_ms = 60'000;

    board.post(running, "t");
    CHECK(next_event(*watcher).name == "lesson");
    now += 9 * minute_ms;
    CHECK_FALSE(board.expire_if_due());
    // An update starts the ten minutes again.
    board.post(running, "t");
    CHECK(next_event(*watcher).name == "lesson");
    now += 10 * minute_ms - 1;
    CHECK_FALSE(board.expire_if_due());
    CHECK(board.current().is_object());
    now += 1;
    CHECK(board.expire_if_due());
    CHECK(json::parse(next_event(*watcher).data) == json{{"cleared", true}});
    CHECK(board.current().is_null());
    CHECK_FALSE(board.expire_if_due());
    CHECK(has_no_event(*watcher));

    for (const char* state : {"passed", "failed"}) {
        INFO(state);
        json finished = running;
        finished["state"] = state;
        board.post(finished, "t");
        CHECK(next_event(*watcher).name == "lesson");
        now += 2 * minute_ms - 1;
        CHECK_FALSE(board.expire_if_due());
        now += 1;
        // A read sees the expiry at once, without waiting for the publisher.
        CHECK(board.current().is_null());
        CHECK(json::parse(next_event(*watcher).data) == json{{"cleared", true}});
    }
}

TEST_CASE("lesson: POST /lesson, /lesson/clear and GET /lesson in the envelope",
          "[proxy][lesson]")
{
    ProxyHarness harness;
    const std::string body = valid_body().dump();

    Reply anonymous = harness.post_with("/lesson", body, {});
    ProxyHarness::check_envelope(anonymous, 401);
    CHECK(anonymous.www_authenticate == "Bearer realm=\"raftescort\"");
    Reply wrong = harness.post_with("/lesson", body, {{"Authorization", "Bearer nope"}});
    ProxyHarness::check_envelope(wrong, 401);
    CHECK(ProxyHarness::check_envelope(harness.post_with("/lesson/clear", "{}", {}), 401)
              .is_null());
    const httplib::Headers admin{
        {"Authorization", std::string("Bearer ") + ProxyHarness::k_admin_token}};
    ProxyHarness::check_envelope(harness.post_with("/lesson", body, admin, "text/plain"), 415);

    Reply missing = harness.post("/lesson", without("heading").dump());
    ProxyHarness::check_envelope(missing, 400);
    CHECK(missing.json_body["message"] == "missing field \"heading\"");
    Reply unknown = harness.post("/lesson", with("colour", "red").dump());
    ProxyHarness::check_envelope(unknown, 400);
    CHECK(unknown.json_body["message"].get<std::string>().find("\"colour\"")
          != std::string::npos);
    Reply too_far = harness.post("/lesson", with("step", 9).dump());
    ProxyHarness::check_envelope(too_far, 400);
    CHECK(too_far.json_body["message"].get<std::string>().find("\"step\"") != std::string::npos);
    ProxyHarness::check_envelope(harness.post("/lesson", "{\"lesson\": "), 400);
    // Over the proxy's body limit: refused before it is read.
    ProxyHarness::check_envelope(
        harness.post("/lesson", with("text", std::string(17 * 1024, 'a')).dump()), 413);

    CHECK(ProxyHarness::check_envelope(harness.get("/lesson"), 200) == json{{"lesson", nullptr}});
    const json posted = ProxyHarness::check_envelope(harness.post("/lesson", body), 200);
    const json& banner = posted["lesson"];
    CHECK(banner["title"] == "Leader election");
    CHECK(banner["heading"] == "A follower times out");
    CHECK(banner["at_ms"].is_number_integer());
    CHECK(banner["at_ms"].get<std::int64_t>() > 1'600'000'000'000);
    CHECK(banner["by"].get<std::string>().find("127.0.0.1") != std::string::npos);
    CHECK(ProxyHarness::check_envelope(harness.get("/lesson"), 200)["lesson"] == banner);

    CHECK(ProxyHarness::check_envelope(harness.post("/lesson/clear", ""), 200)
          == json{{"lesson", nullptr}});
    CHECK(ProxyHarness::check_envelope(harness.post("/lesson/clear", "{}"), 200)
          == json{{"lesson", nullptr}});
    ProxyHarness::check_envelope(harness.post("/lesson/clear", "{\"now\": true}"), 400);
    CHECK(ProxyHarness::check_envelope(harness.get("/lesson"), 200) == json{{"lesson", nullptr}});

    bool listed = false;
    for (const json& endpoint : endpoints_json()) {
        listed = listed || endpoint["locator"] == "/lesson/clear";
    }
    CHECK(listed);
}

TEST_CASE("lesson: a recording holds the banner, and its replay shows it at each moment",
          "[proxy][lesson][replay]")
{
    CHECK(is_recorded_event("lesson"));
    json banner = lesson_banner_from_body(valid_body()).value();
    banner["at_ms"] = 1500;
    banner["by"] = "t";
    raftescort::testing::TempDir directory("lesson");
    const std::string path = directory.join("lesson.jsonl");
    std::ofstream(path) << recording_header_line(RecordingHeader{"unit", 900})
                        << recording_event_line(1000, "status", R"({"term":1,"nodes":[]})")
                        << recording_event_line(1500, "lesson", banner.dump())
                        << recording_event_line(2500, "lesson", k_lesson_cleared_json)
                        << recording_event_line(3000, "status", R"({"term":2,"nodes":[]})");
    auto loaded = load_recording(path);
    REQUIRE(loaded.ok());
    const Recording& recording = loaded.value();
    CHECK(recording.lesson_lines.size() == 2);
    CHECK(lesson_at(recording, 1499).is_null());
    CHECK(lesson_at(recording, 1500) == banner);
    CHECK(lesson_at(recording, 2499) == banner);
    CHECK(lesson_at(recording, 2500).is_null());

    EventHub hub(EventHubOptions{});
    ReplayPlayer player(recording, hub, 1.0);
    auto watcher = hub.subscribe();
    REQUIRE(watcher);
    // A step onto the lesson line sends it; a seek back before it clears it.
    player.step();
    CHECK(next_lesson(*watcher) == banner);
    player.seek(1200);
    CHECK(next_lesson(*watcher) == json{{"cleared", true}});
    // A seek into the lesson puts it up again, and a new page gets it.
    player.seek(2000);
    CHECK(next_lesson(*watcher) == banner);
    auto page = hub.subscribe();
    REQUIRE(page);
    CHECK(next_lesson(*page) == banner);
    player.stop();
}
