// ctl's rendering of the proxy's JSON values: whatever arrives (missing,
// null, another type), a cell gets one printable line and nothing throws.

#include "ctl/format.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

using namespace raftescort::ctl;
using nlohmann::json;

namespace {

/// Pins the local time zone to UTC for one test, then puts it back.
class UtcZone {
public:
    UtcZone()
    {
        const char* zone = std::getenv("TZ");
        m_had_zone = zone != nullptr;
        m_zone = m_had_zone ? zone : "";
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
    ~UtcZone()
    {
        if (m_had_zone) {
            ::setenv("TZ", m_zone.c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    UtcZone(const UtcZone&) = delete;
    UtcZone& operator=(const UtcZone&) = delete;

private:
    bool m_had_zone = false;
    std::string m_zone;
};

} // namespace

TEST_CASE("ctl: values become one printable line", "[ctl]")
{
    // Goal: every JSON type has one rendering, and data from the network
    // cannot move the cursor or break a row. Method: each type, and a
    // string with control characters.
    CHECK(value_text(json(nullptr)) == "-");
    CHECK(value_text(json("")) == "-");
    CHECK(value_text(json("leader")) == "leader");
    CHECK(value_text(json("a\nb\x1b[2Jc\x7f")) == "a b [2Jc ");
    CHECK(value_text(json(true)) == "yes");
    CHECK(value_text(json(false)) == "no");
    CHECK(value_text(json(42)) == "42");
    CHECK(value_text(json(-3)) == "-3");
    CHECK(value_text(json::array({24, -1})) == "[24, -1]");
    // Not a point: three numbers, or a string inside.
    CHECK(value_text(json::array({1, 2, 3})) == "[1,2,3]");
    CHECK(value_text(json::array({1, "x"})) == "[1,\"x\"]");
    CHECK(value_text(json{{"k", "v\n"}}) == "{\"k\":\"v\\n\"}");
}

TEST_CASE("ctl: a missing or mistyped field prints as a dash", "[ctl]")
{
    // Goal: an answer with a field missing, or that is not an object at all,
    // never throws. Method: field() and field_text() on several shapes.
    // Parsed, as the proxy's answers are: a non-negative number is unsigned.
    const json node = json::parse(R"({"id": 3, "role": null, "term": "7"})");
    CHECK(field_text(node, "id") == "3");
    CHECK(field_text(node, "role") == "-");
    CHECK(field_text(node, "missing") == "-");
    CHECK(field(json::array({1}), "id").is_null());
    CHECK(field(json("text"), "id").is_null());
    CHECK(field_unsigned(node, "id") == 3);
    // A string or a negative number is not an id.
    CHECK(field_unsigned(node, "term") == 0);
    CHECK(field_unsigned(json{{"id", -1}}, "id") == 0);
    CHECK(field_unsigned(json(nullptr), "id") == 0);
}

TEST_CASE("ctl: durations print in ms below a second, else in seconds", "[ctl]")
{
    // Goal: LAST CONTACT stays short and its unit explicit. Method: values
    // around the one-second boundary, and a non-number.
    CHECK(duration_ms_text(json(0)) == "0ms");
    CHECK(duration_ms_text(json(35)) == "35ms");
    CHECK(duration_ms_text(json(999)) == "999ms");
    CHECK(duration_ms_text(json(1000)) == "1.0s");
    CHECK(duration_ms_text(json(2500)) == "2.5s");
    CHECK(duration_ms_text(json(nullptr)) == "-");
    CHECK(duration_ms_text(json("35")) == "-");
}

TEST_CASE("ctl: timestamps print as local time with milliseconds", "[ctl]")
{
    // Goal: a leader's election time is readable and exact to the ms.
    // Method: TZ pinned to UTC; integers, negatives and other types.
    UtcZone utc;
    CHECK(timestamp_ms_text(json(0)) == "1970-01-01 00:00:00.000");
    CHECK(timestamp_ms_text(json(1764165787250)) == "2025-11-26 14:03:07.250");
    CHECK(timestamp_ms_text(json(-1)) == "-");
    CHECK(timestamp_ms_text(json(1.5)) == "-");
    CHECK(timestamp_ms_text(json("1764165787250")) == "-");
}

TEST_CASE("ctl: commit and mission texts", "[ctl]")
{
    // Goal: the lines after a change name where it was committed and what
    // the mission does. Method: complete, partial and wrong-typed answers.
    CHECK(commit_text(json{{"term", 3}, {"index", 57}}) == " (term 3, index 57)");
    CHECK(commit_text(json{{"term", 3}}).empty());
    CHECK(commit_text(json::array()).empty());

    const json mission{{"target", json::array({100, 0})}, {"running", true}, {"steps_taken", 24}};
    CHECK(mission_text(mission, json::array({24, 0}))
          == "running, target [100, 0], lead [24, 0], 24 steps taken");
    CHECK(mission_text(json{{"running", false}}, json(nullptr))
          == "paused, target -, - steps taken");
    CHECK(mission_text(json{{"running", "yes"}}, json(nullptr))
          == "state unknown, target -, - steps taken");
    CHECK(mission_text(json(nullptr), json(nullptr)) == "-");
}

TEST_CASE("ctl: keys sort numerically first, then by name", "[ctl]")
{
    // Goal: terms print 2 before 10, and names after numbers. Method: a map
    // keyed by terms and names, as /elections and /logs give.
    const json object{{"10", 1}, {"9", 1}, {"2", 1}, {"b:1", 1}, {"a:2", 1}, {"100", 1}};
    const std::vector<std::string> expected{"2", "9", "10", "100", "a:2", "b:1"};
    CHECK(keys_in_order(object) == expected);
    CHECK(keys_in_order(json::array({1, 2})).empty());
    CHECK(keys_in_order(json(nullptr)).empty());
}

TEST_CASE("ctl: as_list and print_json", "[ctl]")
{
    // Goal: a list that is not one reads as empty; --json prints one
    // pretty document and a newline. Method: shapes and the exact text.
    CHECK(as_list(json{{"a", 1}}).empty());
    CHECK(as_list(json::array({1, 2})).size() == 2);
    std::ostringstream out;
    print_json(out, json{{"leader", 2}, {"nodes", json::array({1})}});
    CHECK(out.str() == "{\n  \"leader\": 2,\n  \"nodes\": [\n    1\n  ]\n}\n");
}
