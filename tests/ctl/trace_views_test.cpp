// `ctl trace`'s lines: what each message says, counts and faults shown.

#include "ctl/trace_views.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace raftescort::ctl;
using nlohmann::json;

TEST_CASE("ctl trace: a refused vote names its reason; counts and faults show", "[ctl]")
{
    // Goal: the line carries sender, receiver, type, term and what the
    // message says; a count shows as xN; a dropped message says so.
    const json refusal{{"at_ms", 0}, {"from", 2}, {"to", 5}, {"type", "vote_response"},
                       {"term", 7}, {"fate", "sent"}, {"count", 1}, {"granted", false},
                       {"reason", "stale log"}};
    const std::string line = trace_line(refusal);
    CHECK(line.find("n2 -> n5") != std::string::npos);
    CHECK(line.find("vote_response") != std::string::npos);
    CHECK(line.find("term 7") != std::string::npos);
    CHECK(line.find("refused: stale log") != std::string::npos);
    CHECK(line.find(" x") == std::string::npos);

    const json beats{{"at_ms", 0}, {"from", 1}, {"to", 3}, {"type", "heartbeat"}, {"term", 7},
                     {"fate", "dropped"}, {"count", 20}, {"commit", 41}};
    const std::string counted = trace_line(beats);
    CHECK(counted.find("x20") != std::string::npos);
    CHECK(counted.find("commit 41") != std::string::npos);
    CHECK(counted.find("[dropped by a fault]") != std::string::npos);

    const json conflict{{"from", 3}, {"to", 1}, {"type", "append_response"}, {"term", 7},
                        {"success", false}, {"index", 12}, {"conflict_index", 9},
                        {"conflict_term", 2}};
    CHECK(trace_line(conflict).find("conflict at 12, hint 9@2") != std::string::npos);
    // Garbage in: dashes, no throw.
    CHECK_NOTHROW(trace_line(json("not an object")));
}
