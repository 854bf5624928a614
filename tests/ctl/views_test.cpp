// The tables and summary line that status, positions, logs and watch share.

#include "ctl/views.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace raftescort::ctl;
using nlohmann::json;

TEST_CASE("ctl: the nodes table shows every node, unreachable ones with dashes", "[ctl]")
{
    // Goal: one row per node in the order the proxy gave, each field in its
    // column, missing values as "-". Method: a leader, and an unreachable
    // node with only id, name and role.
    const json nodes =
        json::array({json{{"id", 1},
                          {"name", "127.0.0.1:5001"},
                          {"role", "leader"},
                          {"term", 7},
                          {"commit_index", 57},
                          {"applied_index", 57},
                          {"lag", 0},
                          {"position", json::array({24, 0})},
                          {"last_contact_ms", nullptr}},
                     json{{"id", 2}, {"name", "127.0.0.1:5002"}, {"role", "unreachable"}}});
    const std::vector<std::string> expected{
        "ID  ADDRESS         ROLE         TERM  COMMIT  APPLIED  LAG  POSITION  LAST CONTACT",
        "1   127.0.0.1:5001  leader       7     57      57       0    [24, 0]   -",
        "2   127.0.0.1:5002  unreachable  -     -       -        -    -         -",
    };
    CHECK(nodes_table(nodes).lines() == expected);
    // Not a list: the header alone.
    CHECK(nodes_table(json{{"error", "x"}}).row_count() == 0);
}

TEST_CASE("ctl: the positions table has a ROLE column only when roles came", "[ctl]")
{
    // Goal: GET /nodes/position (with roles) and a move's answer (without)
    // both print without an empty column. Method: both shapes.
    const json with_roles = json::array(
        {json{{"id", 1}, {"node", "a:1"}, {"role", "leader"}, {"position", json::array({1, 0})}},
         json{{"id", 2}, {"node", "a:2"}, {"position", json::array({0, -1})}}});
    CHECK(positions_table(with_roles).lines()
          == std::vector<std::string>{"ID  NODE  ROLE    POSITION", "1   a:1   leader  [1, 0]",
                                      "2   a:2   -       [0, -1]"});
    const json moved =
        json::array({json{{"id", 1}, {"node", "a:1"}, {"position", json::array({5, 0})}}});
    CHECK(positions_table(moved).lines()
          == std::vector<std::string>{"ID  NODE  POSITION", "1   a:1   [5, 0]"});
    CHECK(positions_table(json(nullptr)).lines() == std::vector<std::string>{"ID  NODE  POSITION"});
}

TEST_CASE("ctl: the log table lists entries in order", "[ctl]")
{
    // Goal: INDEX TERM TYPE COMMAND per entry. Method: two entries, one
    // with a missing command.
    const json entries =
        json::array({json{{"index", 1}, {"term", 1}, {"type", "config"}, {"command", "add 1"}},
                     json{{"index", 2}, {"term", 1}, {"type", "normal"}}});
    CHECK(log_table(entries).lines()
          == std::vector<std::string>{"INDEX  TERM  TYPE    COMMAND", "1      1     config  add 1",
                                      "2      1     normal  -"});
}

TEST_CASE("ctl: the cluster summary names the leader, reachability and Redis", "[ctl]")
{
    // Goal: one line that says whether the cluster can work. Method: a
    // leader with Redis up, no leader with Redis down, and an empty status.
    CHECK(cluster_summary(json{{"leader", 2u},
                               {"leader_name", "127.0.0.1:5002"},
                               {"term", 7},
                               {"reachable", 3},
                               {"nodes", 3},
                               {"redis_connected", true}})
          == "leader 2 (127.0.0.1:5002), term 7; 3 of 3 nodes reachable; redis connected");
    CHECK(
        cluster_summary(json{
            {"leader", 0}, {"term", 8}, {"reachable", 1}, {"nodes", 3}, {"redis_connected", false}})
        == "no leader, term 8; 1 of 3 nodes reachable; redis down");
    CHECK(cluster_summary(json::object()) == "no leader, term -; - of - nodes reachable");
}

TEST_CASE("ctl: the status line about pre-vote and check-quorum", "[ctl]")
{
    // Goal: one line says which switches the nodes have in force and names
    // the nodes that differ; nothing when no node reports them.
    json nodes = json::array(
        {json{{"id", 1}, {"timing", {{"pre_vote", true}, {"check_quorum", true}}}},
         json{{"id", 2}, {"timing", {{"pre_vote", false}, {"check_quorum", true}}}},
         json{{"id", 3}, {"timing", nullptr}}});
    CHECK(protocol_summary(nodes) == "pre-vote on (off on 2), check-quorum on");
    nodes[0]["timing"]["pre_vote"] = false;
    nodes[0]["timing"]["check_quorum"] = false;
    nodes[1]["timing"]["check_quorum"] = false;
    CHECK(protocol_summary(nodes) == "pre-vote off, check-quorum off");
    CHECK(protocol_summary(json::array({json{{"id", 1}}})).empty());
    CHECK(protocol_summary(json(nullptr)).empty());
}
