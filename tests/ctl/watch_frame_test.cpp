// One frame of `ctl watch`, rendered without a terminal: the header, the
// convoy on its track, the roles table and the error line.

#include "ctl/watch_frame.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace raftescort::ctl;
using nlohmann::json;

namespace {

json node(std::uint64_t id, std::int64_t x, std::int64_t y, const std::string& role)
{
    return json{{"id", id},
                {"name", "127.0.0.1:500" + std::to_string(id)},
                {"role", role},
                {"term", 2},
                {"position", json::array({x, y})}};
}

WatchSnapshot three_nodes()
{
    WatchSnapshot snapshot;
    snapshot.status =
        json{{"leader", 1u}, {"leader_name", "127.0.0.1:5001"}, {"term", 2}, {"reachable", 3},
             {"nodes", 3},   {"redis_connected", true}};
    snapshot.nodes = json::array(
        {node(1, 0, 0, "leader"), node(2, 50, 0, "follower"), node(3, 100, -1, "follower")});
    snapshot.mission = json{{"target", json::array({100, 0})},
                            {"running", true},
                            {"steps_taken", 4},
                            {"lead", json::array({4, 0})}};
    return snapshot;
}

WatchFrameStyle plain_style()
{
    WatchFrameStyle style;
    style.proxy_url = "http://p:8888";
    style.clock = "12:00:00";
    return style;
}

bool has_escape(const std::vector<std::string>& lines)
{
    return std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
        return line.find('\x1b') != std::string::npos;
    });
}

} // namespace

TEST_CASE("ctl: a watch frame draws the convoy and the roles", "[ctl]")
{
    // Goal: the frame a pipe gets, line by line: header, summary, mission,
    // a ruler, one track row per y (highest first) with each node's digit
    // at its x, then the roles table. Method: three nodes at x 0, 50, 100.
    const std::vector<std::string> lines = render_watch_frame(three_nodes(), plain_style());
    REQUIRE(lines.size() == 13);
    CHECK(lines[0] == "raftescort ctl watch  12:00:00  http://p:8888");
    CHECK(lines[1] == "leader 1 (127.0.0.1:5001), term 2; 3 of 3 nodes reachable; redis connected");
    CHECK(lines[2] == "mission running, target [100, 0], lead [4, 0], 4 steps taken");
    CHECK(lines[3].empty());
    const std::string margin(6, ' ');
    CHECK(lines[4] == margin + "0" + std::string(48, ' ') + "50" + std::string(48, ' ') + "100");
    std::string ticks(101, '-');
    ticks[0] = '|';
    ticks[25] = '+';
    ticks[50] = '|';
    ticks[75] = '+';
    ticks[100] = '|';
    CHECK(lines[5] == margin + ticks);
    std::string row0(101, '.');
    row0[0] = '1';
    row0[50] = '2';
    CHECK(lines[6] == "y=0   " + row0);
    CHECK(lines[7] == "y=-1  " + std::string(100, '.') + "3");
    CHECK(lines[8].empty());
    CHECK(lines[9].rfind("ID  ADDRESS", 0) == 0);
    CHECK(lines[10].rfind("1   127.0.0.1:5001  leader", 0) == 0);
    CHECK(lines[12].rfind("3   127.0.0.1:5003  follower", 0) == 0);
    CHECK(!has_escape(lines));
}

TEST_CASE("ctl: only a highlighted frame holds escape codes, on the leader", "[ctl]")
{
    // Goal: a pipe never gets escape codes; a terminal sees the leader in
    // reverse video and "q quits". Method: the same snapshot, both styles.
    WatchFrameStyle style = plain_style();
    style.highlight = true;
    style.interactive = true;
    const std::vector<std::string> lines = render_watch_frame(three_nodes(), style);
    CHECK(lines[0] == "raftescort ctl watch  12:00:00  http://p:8888  (q quits)");
    CHECK(lines[6].rfind("y=0   \x1b[7;1m1\x1b[0m.", 0) == 0);
    // Only the leader's row is highlighted.
    CHECK(lines[7].find('\x1b') == std::string::npos);
}

TEST_CASE("ctl: watch clamps the track and marks shared cells", "[ctl]")
{
    // Goal: a node off the 0..100 track is drawn at its edge; two nodes in
    // one cell show '*'; ids past 9 show '+'. Method: a narrow track of 21
    // columns (one per 5 units).
    WatchSnapshot snapshot;
    snapshot.nodes = json::array(
        {node(1, -40, 0, "follower"), node(2, 1, 0, "follower"), node(12, 250, 0, "follower")});
    WatchFrameStyle style = plain_style();
    style.track_columns = k_watch_track_columns_min;
    const std::vector<std::string> lines = render_watch_frame(snapshot, style);
    std::string row(21, '.');
    row[0] = '*';
    row[20] = '+';
    CHECK(lines[6] == "y=0  " + row);
    CHECK(lines[1] == "cluster -");
    CHECK(lines[2] == "mission -");
}

TEST_CASE("ctl: watch draws at most twelve track rows", "[ctl]")
{
    // Goal: a tall formation still fits a terminal; the roles table lists
    // every node. Method: 15 nodes on 15 rows.
    WatchSnapshot snapshot;
    snapshot.nodes = json::array();
    for (std::int64_t y = 0; y < 15; ++y) {
        snapshot.nodes.push_back(node(static_cast<std::uint64_t>(y + 1), 10, y, "follower"));
    }
    const std::vector<std::string> lines = render_watch_frame(snapshot, plain_style());
    CHECK(lines[6].rfind("y=14", 0) == 0);
    CHECK(lines[17].rfind("y=3 ", 0) == 0);
    CHECK(lines[18] == "(3 more rows)");
    // The roles table still has all 15 rows after its header.
    CHECK(lines.size() == 19 + 1 + 16);
}

TEST_CASE("ctl: a watch frame with nothing fetched says why", "[ctl]")
{
    // Goal: an unreachable proxy still gives a whole frame: an empty track
    // row, an empty roles table, and the error last. Method: a snapshot
    // with only an error.
    WatchSnapshot snapshot;
    snapshot.error = "cannot reach the proxy at http://p:8888: connection refused";
    const std::vector<std::string> lines = render_watch_frame(snapshot, plain_style());
    REQUIRE(lines.size() == 11);
    CHECK(lines[6] == "y=0  " + std::string(101, '.'));
    CHECK(lines[8].rfind("ID  ADDRESS  ROLE", 0) == 0);
    CHECK(lines[9].empty());
    CHECK(lines[10] == "error: cannot reach the proxy at http://p:8888: connection refused");
}
