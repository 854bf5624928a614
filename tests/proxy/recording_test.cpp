// Recording the event stream: the JSONL format read back, the path checks,
// the recorder's bounds, and POST /record's refusals.

#include "proxy/proxy_harness.hpp"
#include "proxy/record/recorder.hpp"
#include "proxy/record/recording_format.hpp"
#include "proxy/record/recording_path.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace raftescort;
using namespace raftescort::proxy;
using namespace raftescort::proxy::testing;
using nlohmann::json;

namespace {

/// A directory of its own under the system's temp dir, removed at the end.
class TempDirectory {
public:
    TempDirectory()
    {
        std::random_device random;
        m_path = std::filesystem::temp_directory_path()
                 / ("raftescort-recording-" + std::to_string(random()));
        std::filesystem::create_directory(m_path);
    }
    ~TempDirectory()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

std::vector<std::string> lines_of(const std::string& path)
{
    std::ifstream file(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(file, line)) {
        lines.push_back(line);
    }
    return lines;
}

RecorderOptions recorder_options(const std::string& path)
{
    RecorderOptions options;
    options.path = path;
    options.cluster = "unit";
    options.snapshot_interval_ms = 60000;
    options.queue_events_max = 64;
    options.take_snapshot = [] { return json{{"nodes", json::array()}}; };
    return options;
}

/// Waits up to 5 s for the recorder to end by itself.
bool poll_until_stopped(const Recorder& recorder)
{
    for (int i = 0; i < 500; ++i) {
        if (!recorder.status().recording) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST_CASE("recording: a written line reads back as it was", "[proxy][record]")
{
    const std::string header = recording_header_line(RecordingHeader{"demo", 1700000000123});
    REQUIRE(header.back() == '\n');
    auto read_header = parse_recording_header(header.substr(0, header.size() - 1));
    REQUIRE(read_header.ok());
    CHECK(read_header.value().cluster == "demo");
    CHECK(read_header.value().started_ms == 1700000000123);

    const std::string line = recording_event_line(1700000000456, "status", R"({"term":3})");
    REQUIRE(line.back() == '\n');
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    auto read = parse_recording_line(line.substr(0, line.size() - 1));
    REQUIRE(read.ok());
    CHECK(read.value().t_ms == 1700000000456);
    CHECK(read.value().event == "status");
    CHECK(read.value().data == json{{"term", 3}});
}

TEST_CASE("recording: a malformed line is refused with its reason", "[proxy][record]")
{
    CHECK_FALSE(parse_recording_line("").ok());
    CHECK_FALSE(parse_recording_line("{\"t_ms\": 1,").ok());
    CHECK_FALSE(parse_recording_line("[1, 2]").ok());
    CHECK_FALSE(parse_recording_line(R"({"event": "status", "data": {}})").ok());
    CHECK_FALSE(parse_recording_line(R"({"t_ms": "1", "event": "status", "data": {}})").ok());
    CHECK_FALSE(parse_recording_line(R"({"t_ms": 1, "event": "status"})").ok());
    auto unknown = parse_recording_line(R"({"t_ms": 1, "event": "gossip", "data": {}})");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("gossip") != std::string::npos);
    CHECK_FALSE(parse_recording_header(R"({"format": "other", "version": 1})").ok());
    auto future = parse_recording_header(
        R"({"format": "raftescort-recording", "version": 2, "started_ms": 5})");
    REQUIRE_FALSE(future.ok());
    CHECK(future.error().message.find("version 2") != std::string::npos);
    CHECK_FALSE(parse_recording_header(R"({"format": "raftescort-recording", "version": 1})").ok());
}

TEST_CASE("recording: the path is checked before anything is opened", "[proxy][record]")
{
    TempDirectory directory;
    const std::string existing = directory.file("old.jsonl");
    std::ofstream(existing) << "kept\n";
    CHECK(check_recording_path(directory.file("new.jsonl"), false).ok());
    CHECK_FALSE(check_recording_path("", false).ok());
    CHECK_FALSE(check_recording_path("../up.jsonl", false).ok());
    CHECK_FALSE(check_recording_path("logs/../../up.jsonl", false).ok());
    CHECK_FALSE(check_recording_path(directory.file("a/../b.jsonl"), false).ok());
    CHECK_FALSE(check_recording_path(directory.file("missing/run.jsonl"), false).ok());
    CHECK_FALSE(check_recording_path(directory.file(""), false).ok());
    CHECK_FALSE(check_recording_path(std::string(5000, 'a'), false).ok());
    auto exists = check_recording_path(existing, false);
    REQUIRE_FALSE(exists.ok());
    CHECK(exists.error().message.find("overwrite") != std::string::npos);
    CHECK(check_recording_path(existing, true).ok());
    CHECK(lines_of(existing) == std::vector<std::string>{"kept"});
}

TEST_CASE("recording: the recorder writes the hub's events between a header and snapshots",
          "[proxy][record]")
{
    TempDirectory directory;
    EventHub hub(EventHubOptions{});
    hub.publish_status({"status", R"({"term":1})"});
    auto started = Recorder::start(hub, recorder_options(directory.file("run.jsonl")));
    REQUIRE(started.ok());
    Recorder& recorder = *started.value();
    // The recorder counts as a subscriber: the trace follower runs for it.
    CHECK(hub.subscriber_count() == 1);
    hub.publish_record({"record", R"({"kind":"election","term":2})"});
    hub.publish_live({"trace", R"({"node":1,"messages":[]})"});
    recorder.stop();
    CHECK(hub.subscriber_count() == 0);

    const std::vector<std::string> lines = lines_of(directory.file("run.jsonl"));
    REQUIRE(lines.size() == 6);
    REQUIRE(parse_recording_header(lines[0]).ok());
    std::vector<std::string> events;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        auto line = parse_recording_line(lines[i]);
        REQUIRE(line.ok());
        events.push_back(line.value().event);
    }
    // A snapshot first and last; the events in between, the status the
    // hub held when the recorder subscribed included.
    CHECK(events == std::vector<std::string>{"snapshot", "status", "record", "trace", "snapshot"});
    const RecorderStatus status = recorder.status();
    CHECK_FALSE(status.recording);
    CHECK(status.lines == 6);
    CHECK(status.snapshots == 2);
    CHECK(status.stopped_reason == "stopped");
    CHECK(status.bytes == std::filesystem::file_size(directory.file("run.jsonl")));
}

TEST_CASE("recording: the size cap ends the recording, whole lines only", "[proxy][record]")
{
    TempDirectory directory;
    EventHub hub(EventHubOptions{});
    RecorderOptions options = recorder_options(directory.file("capped.jsonl"));
    options.bytes_max = 400;
    auto started = Recorder::start(hub, options);
    REQUIRE(started.ok());
    Recorder& recorder = *started.value();
    for (int i = 0; i < 40; ++i) {
        hub.publish_live({"trace", R"({"node":1,"messages":[{"n":)" + std::to_string(i) + "}]}"});
    }
    CHECK(poll_until_stopped(recorder));
    const RecorderStatus status = recorder.status();
    CHECK(status.stopped_reason == "size cap reached");
    CHECK(status.bytes <= 400);
    const std::uint64_t size = std::filesystem::file_size(directory.file("capped.jsonl"));
    CHECK(size == status.bytes);
    for (const std::string& line : lines_of(directory.file("capped.jsonl"))) {
        CHECK(json::parse(line, nullptr, false).is_object());
    }
}

TEST_CASE("recording: an existing file is kept unless overwrite is asked", "[proxy][record]")
{
    TempDirectory directory;
    EventHub hub(EventHubOptions{});
    const std::string path = directory.file("run.jsonl");
    std::ofstream(path) << "kept\n";
    auto refused = Recorder::start(hub, recorder_options(path));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == util::ErrorCode::rejected);
    CHECK(lines_of(path) == std::vector<std::string>{"kept"});
    RecorderOptions options = recorder_options(path);
    options.overwrite = true;
    auto replaced = Recorder::start(hub, options);
    REQUIRE(replaced.ok());
    replaced.value()->stop();
    CHECK(parse_recording_header(lines_of(path).at(0)).ok());
}

TEST_CASE("recording: a lossy subscription counts what it loses and stays", "[proxy][record]")
{
    EventHubOptions options;
    options.queue_events_max = 40;
    EventHub hub(options);
    auto subscription = hub.subscribe(EventSubscription::Overflow::drop_event, 36);
    REQUIRE(subscription);
    for (int i = 0; i < 50; ++i) {
        hub.publish_live({"trace", "{}"});
    }
    CHECK(subscription->events_dropped() == 14);
    CHECK_FALSE(subscription->dropped());
    CHECK(hub.subscriber_count() == 1);
}

TEST_CASE("recording: POST /record refuses bad input in the envelope", "[proxy][record]")
{
    TempDirectory directory;
    ProxyHarness harness;
    const std::string file = directory.file("api.jsonl");
    const std::string start = json{{"action", "start"}, {"file", file}}.dump();

    Reply anonymous = harness.post_with("/record", start, {});
    ProxyHarness::check_envelope(anonymous, 401);
    CHECK_FALSE(std::filesystem::exists(file));
    ProxyHarness::check_envelope(
        harness.post_with("/record", start, {{"Authorization", "Bearer wrong"}}), 401);
    ProxyHarness::check_envelope(harness.post("/record", "{\"action\": "), 400);
    ProxyHarness::check_envelope(harness.post("/record", R"({"action": "start"})"), 400);
    ProxyHarness::check_envelope(harness.post("/record", R"({"action": 3})"), 400);
    ProxyHarness::check_envelope(
        harness.post("/record", R"({"action": "start", "file": "x", "mode": 1})"), 400);
    ProxyHarness::check_envelope(
        harness.post("/record", R"({"action": "start", "file": "../x.jsonl"})"), 400);
    ProxyHarness::check_envelope(
        harness.post("/record",
                     json{{"action", "start"}, {"file", directory.file("none/x")}}.dump()),
        400);
    ProxyHarness::check_envelope(
        harness.post("/record", json{{"action", "start"}, {"file", file}, {"overwrite", "yes"}}
                                    .dump()),
        400);
    ProxyHarness::check_envelope(harness.post("/record", R"({"action": "stop"})"), 409);

    json started = ProxyHarness::check_envelope(harness.post("/record", start), 200);
    CHECK(started["recording"] == true);
    CHECK(started["file"] == file);
    ProxyHarness::check_envelope(harness.post("/record", start), 409);
    json status = ProxyHarness::check_envelope(harness.get("/record"), 200);
    CHECK(status["recording"] == true);
    json stopped =
        ProxyHarness::check_envelope(harness.post("/record", R"({"action": "stop"})"), 200);
    CHECK(stopped["recording"] == false);
    CHECK(stopped["stopped_reason"] == "stopped");
    // The file exists now: a second start needs overwrite.
    ProxyHarness::check_envelope(harness.post("/record", start), 400);
    const std::vector<std::string> lines = lines_of(file);
    REQUIRE(lines.size() >= 3);
    CHECK(parse_recording_header(lines[0]).ok());
    auto last = parse_recording_line(lines.back());
    REQUIRE(last.ok());
    CHECK(last.value().event == "snapshot");
    // Redis is unreachable in the harness: the snapshot says so per route.
    CHECK(last.value().data["elections"].is_null());
    CHECK(last.value().data["errors"].contains("elections"));
    CHECK(last.value().data["nodes"].is_array());
}
