// Replaying a recording: reading it back, the cluster's state at a moment,
// and the player's seek and step.

#include "proxy/record/recording_format.hpp"
#include "proxy/replay/recording_file.hpp"
#include "proxy/replay/replay_player.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

using namespace raftescort;
using namespace raftescort::proxy;
using nlohmann::json;

namespace {

/// A recording file in the temp dir, removed at the end.
class RecordingFixture {
public:
    RecordingFixture()
    {
        std::random_device random;
        m_path = (std::filesystem::temp_directory_path()
                  / ("raftescort-replay-" + std::to_string(random()) + ".jsonl"))
                     .string();
    }
    ~RecordingFixture() { std::filesystem::remove(m_path); }
    void write(const std::string& text) { std::ofstream(m_path) << text; }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

std::string status_data(std::uint64_t term, std::uint64_t leader, int x)
{
    return json{{"term", term},
                {"leader", leader},
                {"nodes", json::array({json{{"id", 1}, {"position", json::array({x, 0})}}})}}
        .dump();
}

/// Three terms at 1000, 2000 and 3000 ms, with snapshots at 1000 and 3500.
std::string sample_recording()
{
    return recording_header_line(RecordingHeader{"unit", 900})
           + recording_event_line(1000, "snapshot",
                                  R"({"nodes":[],"leaders":{"1":{"id":1}},"elections":{}})")
           + recording_event_line(1000, "status", status_data(1, 1, 0))
           + recording_event_line(2000, "status", status_data(2, 2, 5)) + "not json\n"
           + recording_event_line(2500, "record", R"({"kind":"election","term":2})")
           + recording_event_line(3000, "status", status_data(3, 3, 7))
           + recording_event_line(
               3500, "snapshot", R"({"nodes":[],"leaders":{"1":{"id":1},"3":{"id":3}}})");
}

} // namespace

TEST_CASE("replay: a recording reads back, bad lines counted and left out", "[proxy][replay]")
{
    RecordingFixture file;
    file.write(sample_recording());
    auto loaded = load_recording(file.path());
    REQUIRE(loaded.ok());
    const Recording& recording = loaded.value();
    CHECK(recording.header.cluster == "unit");
    CHECK(recording.lines.size() == 6);
    CHECK(recording.lines_skipped == 1);
    CHECK(recording.start_ms() == 1000);
    CHECK(recording.end_ms() == 3500);
    CHECK(first_line_after(recording, 999) == 0);
    CHECK(first_line_after(recording, 1000) == 2);
    CHECK(first_line_after(recording, 3500) == 6);

    file.write("{\"format\": \"something else\"}\n" + recording_event_line(1, "status", "{}"));
    CHECK_FALSE(load_recording(file.path()).ok());
    file.write(recording_header_line(RecordingHeader{"unit", 900}));
    CHECK_FALSE(load_recording(file.path()).ok());
    CHECK_FALSE(load_recording(file.path() + ".missing").ok());
}

TEST_CASE("replay: the view at a moment is the last snapshot and status before it",
          "[proxy][replay]")
{
    RecordingFixture file;
    file.write(sample_recording());
    auto loaded = load_recording(file.path());
    REQUIRE(loaded.ok());
    const Recording& recording = loaded.value();

    const ReplayView at_start = replay_view_at(recording, 1000);
    CHECK(at_start.status["term"] == 1);
    CHECK(at_start.snapshot["leaders"].size() == 1);
    const ReplayView middle = replay_view_at(recording, 2999);
    CHECK(middle.status["term"] == 2);
    CHECK(middle.nodes[0]["position"] == json::array({5, 0}));
    // Leaders change at snapshots only.
    CHECK(middle.snapshot["leaders"].size() == 1);
    const ReplayView end = replay_view_at(recording, 3500);
    CHECK(end.status["term"] == 3);
    CHECK(end.snapshot["leaders"].contains("3"));
    // The snapshot is newer than the last status: its nodes win.
    CHECK(end.nodes.empty());
    CHECK(replay_view_at(recording, 10).status.is_null());
}

TEST_CASE("replay: seek and step send the state of the new position", "[proxy][replay]")
{
    RecordingFixture file;
    file.write(sample_recording());
    auto loaded = load_recording(file.path());
    REQUIRE(loaded.ok());
    EventHub hub(EventHubOptions{});
    ReplayPlayer player(loaded.value(), hub, 1.0);
    CHECK(player.position().position_ms == 1000);
    CHECK_FALSE(player.position().playing);
    auto subscription = hub.subscribe();
    REQUIRE(subscription);
    ServerSentEvent event;
    // The hub's latest status for a new client: the start's.
    REQUIRE(subscription->next(1000, event) == EventSubscription::Wait::event);
    CHECK(json::parse(event.data)["term"] == 1);

    player.step();
    CHECK(player.position().position_ms == 2000);
    REQUIRE(subscription->next(1000, event) == EventSubscription::Wait::event);
    CHECK(json::parse(event.data)["term"] == 2);

    player.seek(3200);
    CHECK(player.position().position_ms == 3200);
    REQUIRE(subscription->next(1000, event) == EventSubscription::Wait::event);
    CHECK(event.name == "status");
    CHECK(json::parse(event.data)["term"] == 3);

    player.seek(99999);
    CHECK(player.position().position_ms == 3500);
    player.seek(0);
    CHECK(player.position().position_ms == 1000);
    player.set_speed(100);
    player.play();
    CHECK(player.position().playing);
    player.stop();
}
