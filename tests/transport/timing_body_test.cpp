// Unit tests of the POST /timing body reader the node and the proxy share
// (transport/timing_body.hpp): the durations and the protocol switches are
// each optional, what is given is checked, and every refusal names why.

#include <raftescort/transport/timing_body.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using nlohmann::json;
using raftescort::escort::Timing;
using raftescort::escort::TimingChange;
using raftescort::transport::describe_timing_change;
using raftescort::transport::timing_change_of;

std::string g_refusal;

void record_refusal(httplib::Response& response, int status, const std::string& message)
{
    response.status = status;
    g_refusal = message;
}

/// The change `body` asks for; REQUIREs that it is accepted.
TimingChange accepted(const json& body)
{
    httplib::Response response;
    g_refusal.clear();
    std::optional<TimingChange> change = timing_change_of(body, response, record_refusal);
    INFO(body.dump() << ": " << g_refusal);
    REQUIRE(change);
    return *change;
}

/// The refusal of `body` (a 400), or "" when it was accepted.
std::string refusal_of(const json& body)
{
    httplib::Response response;
    g_refusal.clear();
    std::optional<TimingChange> change = timing_change_of(body, response, record_refusal);
    if (change) {
        return "";
    }
    CHECK(response.status == 400);
    return g_refusal;
}

} // namespace

TEST_CASE("a timing body gives the durations, the switches, both, or a reset",
          "[transport][timing]")
{
    // Goal: each part is optional and what is left out stays absent, so the
    // leader keeps it as it is in force.
    TimingChange switches = accepted(json{{"pre_vote", false}});
    CHECK(switches.pre_vote == false);
    CHECK_FALSE(switches.check_quorum);
    CHECK_FALSE(switches.durations);
    CHECK_FALSE(switches.reset);
    CHECK(describe_timing_change(switches) == "timing: pre-vote off");

    TimingChange durations = accepted(json{{"heartbeat_ms", 100}, {"election_timeout_ms", 600}});
    REQUIRE(durations.durations);
    CHECK(*durations.durations == Timing{100, 600, 0});
    CHECK_FALSE(durations.pre_vote);
    CHECK_FALSE(durations.check_quorum);
    CHECK(describe_timing_change(durations) == "timing: heartbeat 100 ms, election timeout 600 ms");

    TimingChange both = accepted(json{{"heartbeat_ms", 100},
                                      {"election_timeout_ms", 600},
                                      {"step_interval_ms", 50},
                                      {"pre_vote", true},
                                      {"check_quorum", false}});
    CHECK(*both.durations == Timing{100, 600, 50});
    CHECK(both.pre_vote == true);
    CHECK(both.check_quorum == false);
    CHECK(describe_timing_change(both)
          == "timing: heartbeat 100 ms, election timeout 600 ms, step interval 50 ms, pre-vote "
             "on, check-quorum off");

    TimingChange reset = accepted(json{{"reset", true}});
    CHECK(reset.reset);
    CHECK(describe_timing_change(reset) == "timing reset to each node's own");
}

TEST_CASE("a bad timing body is refused with the reason", "[transport][timing]")
{
    // Goal: a switch that is not a boolean, a duration alone or against the
    // 3x rule, a reset with company, or nothing at all: 400 naming it.
    CHECK(refusal_of(json{{"pre_vote", "off"}}) == "field \"pre_vote\" must be true or false");
    CHECK(refusal_of(json{{"check_quorum", 0}})
          == "field \"check_quorum\" must be true or false");
    CHECK(refusal_of(json{{"check_quorum", nullptr}})
          == "field \"check_quorum\" must be true or false");
    CHECK(refusal_of(json{{"pre_vote", true}, {"heartbeat_ms", 100}})
          == "missing integer field \"election_timeout_ms\"");
    CHECK(refusal_of(json{{"step_interval_ms", 100}}) == "missing integer field \"heartbeat_ms\"");
    CHECK(refusal_of(json{{"heartbeat_ms", 100}, {"election_timeout_ms", 200}}).find("3x")
          != std::string::npos);
    CHECK(refusal_of(json{{"heartbeat_ms", 0}, {"election_timeout_ms", 0}}).find("positive")
          != std::string::npos);
    CHECK(refusal_of(json{{"reset", true}, {"pre_vote", false}})
          == "\"reset\": true takes no other field");
    CHECK(refusal_of(json{{"reset", false}}) == "\"reset\": true takes no other field");
    CHECK(refusal_of(json::object()).find("give") != std::string::npos);
}
