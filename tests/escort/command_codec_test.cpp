// The command text codec: round trips and rejections.

#include <raftescort/escort/escort.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using raftescort::escort::Command;
using raftescort::escort::CommandKind;
using raftescort::escort::decode_command;
using raftescort::escort::encode_command;
using raftescort::escort::is_valid_client_id;
using raftescort::escort::Point;

TEST_CASE("commands encode to their documented text form", "[escort]")
{
    // Goal: the wire form is the one traces and `ctl logs` show.
    Command step;
    step.kind = CommandKind::step;
    step.from = Point{3, 0};
    CHECK(encode_command(step) == "step 3 0");

    Command move;
    move.kind = CommandKind::move;
    move.dx = 1;
    move.dy = -2;
    move.client_id = "cli7";
    move.sequence = 12;
    CHECK(encode_command(move) == "move 1 -2 c=cli7 s=12");

    Command mission;
    mission.kind = CommandKind::mission;
    mission.target = Point{100, 0};
    mission.running = true;
    CHECK(encode_command(mission) == "mission 100 0 run");
    mission.running = false;
    CHECK(encode_command(mission) == "mission 100 0 pause");
}

TEST_CASE("canonical command texts round trip through decode and encode", "[escort]")
{
    // Goal: decode is the inverse of encode, including extreme values.
    const std::vector<std::string> texts = {
        "step 0 0",
        "step -9223372036854775808 9223372036854775807",
        "move 1 -2 c=cli7 s=12",
        "move 0 0 c=a s=0",
        "mission 100 0 run",
        "mission -5 7 pause c=Az09_.:- s=18446744073709551615",
        "step 1 1 c=" + std::string(64, 'k') + " s=1",
    };
    for (const std::string& text : texts) {
        auto decoded = decode_command(text);
        INFO(text);
        REQUIRE(decoded.ok());
        CHECK(encode_command(decoded.value()) == text);
        auto again = decode_command(encode_command(decoded.value()));
        REQUIRE(again.ok());
        CHECK(again.value() == decoded.value());
    }
}

TEST_CASE("decode_command rejects malformed text with a message", "[escort]")
{
    // Goal: every defect class is an error value, never a throw or a crash.
    struct Case {
        std::string text;
        const char* why;
    };
    const std::vector<Case> cases = {
        {"", "empty"},
        {"move", "missing fields"},
        {"move 1", "missing field"},
        {"move x 2", "not a number"},
        {"move 99999999999999999999 0", "overflow"},
        {"step -9223372036854775809 0", "underflow"},
        {"move 1 2 3", "trailing junk"},
        {"move 1 2 junk", "trailing junk"},
        {"step 1 2\n", "trailing newline"},
        {" step 1 2", "leading space"},
        {"step 1  2", "double space"},
        {"step 1 2 ", "trailing space"},
        {"step +1 2", "plus sign"},
        {"step 01 2", "leading zero"},
        {"step -0 2", "negative zero"},
        {"step 1 2.5", "fraction"},
        {"STEP 1 2", "verb case"},
        {"fly 1 2", "unknown verb"},
        {"mission 1 2", "missing run/pause"},
        {"mission 1 2 go", "bad run/pause"},
        {"move 1 2 c=cli7", "client without sequence"},
        {"move 1 2 s=3", "sequence without client"},
        {"move 1 2 s=3 c=cli7", "swapped client and sequence"},
        {"move 1 2 c= s=1", "empty client id"},
        {"move 1 2 c=bad/id s=1", "bad client id character"},
        {"move 1 2 c=" + std::string(65, 'k') + " s=1", "client id too long"},
        {"move 1 2 c=a s=-1", "negative sequence"},
        {"move 1 2 c=a s=18446744073709551616", "sequence overflow"},
        {"move 1 2 c=a s=1 c=b s=2", "repeated suffix"},
        {std::string("move 1\0 2", 9), "embedded NUL"},
        {"step 1 " + std::string(300, '1'), "too long"},
    };
    for (const Case& c : cases) {
        INFO(c.why << ": \"" << c.text << "\"");
        auto decoded = decode_command(c.text);
        CHECK_FALSE(decoded.ok());
        if (!decoded.ok()) {
            CHECK_FALSE(decoded.error().message.empty());
        }
    }
}

TEST_CASE("client ids are limited in alphabet and length", "[escort]")
{
    // Goal: the rule proxies check before building a Command.
    CHECK(is_valid_client_id("cli-7_a.b:c"));
    CHECK(is_valid_client_id(std::string(64, 'z')));
    CHECK_FALSE(is_valid_client_id(""));
    CHECK_FALSE(is_valid_client_id(std::string(65, 'z')));
    CHECK_FALSE(is_valid_client_id("a b"));
    CHECK_FALSE(is_valid_client_id("a=b"));
    CHECK_FALSE(is_valid_client_id("caf\xc3\xa9"));
}

TEST_CASE("timing commands round trip, and their bounds are named", "[escort]")
{
    // Goal: slow motion travels in the log as readable text; the 3x rule and
    // the bounds are checked in one place, with a reason people can act on.
    Command timing;
    timing.kind = CommandKind::timing;
    timing.timing = raftescort::escort::Timing{1000, 6000, 2000};
    timing.client_id = "ctl";
    timing.sequence = 1;
    CHECK(encode_command(timing) == "timing 1000 6000 2000 c=ctl s=1");
    auto decoded = decode_command("timing 1000 6000 2000 c=ctl s=1");
    REQUIRE(decoded.ok());
    CHECK(decoded.value() == timing);
    CHECK(decode_command("timing 0 0 0").ok());
    CHECK_FALSE(decode_command("timing 1000 6000").ok());
    CHECK_FALSE(decode_command("timing 1000 6000 01").ok());

    using raftescort::escort::Timing;
    using raftescort::escort::timing_problem;
    CHECK_FALSE(timing_problem(Timing{}));
    CHECK_FALSE(timing_problem(Timing{1000, 3000, 0}));
    CHECK(timing_problem(Timing{1000, 2999, 0})->find("at least 3x") != std::string::npos);
    CHECK(timing_problem(Timing{100, 0, 0})->find("together") != std::string::npos);
    CHECK(timing_problem(Timing{10'001, 60'000, 0})->find("heartbeat") != std::string::npos);
    CHECK(timing_problem(Timing{100, 60'001, 0})->find("election timeout") != std::string::npos);
    CHECK(timing_problem(Timing{100, 300, 5})->find("step interval") != std::string::npos);
    CHECK(timing_problem(Timing{-1, 300, 0}));
}

TEST_CASE("timing commands carry the protocol switches as optional trailing fields", "[escort]")
{
    // Goal: pre-vote and check-quorum travel with the timing; a command
    // written before they existed decodes unchanged (both switches "own"),
    // and each command still has exactly one spelling.
    using raftescort::escort::ProtocolSwitch;
    using raftescort::escort::Timing;
    auto old_form = decode_command("timing 1000 6000 2000 c=ctl s=1");
    REQUIRE(old_form.ok());
    CHECK(old_form.value().timing == Timing{1000, 6000, 2000});
    CHECK(old_form.value().timing.pre_vote == ProtocolSwitch::own);
    CHECK(old_form.value().timing.check_quorum == ProtocolSwitch::own);

    Command timing;
    timing.kind = CommandKind::timing;
    timing.timing = Timing{0, 0, 0, ProtocolSwitch::off, ProtocolSwitch::on};
    timing.client_id = "ctl";
    timing.sequence = 7;
    const std::string text = "timing 0 0 0 pre_vote=off check_quorum=on c=ctl s=7";
    CHECK(encode_command(timing) == text);
    auto decoded = decode_command(text);
    REQUIRE(decoded.ok());
    CHECK(decoded.value() == timing);

    timing.client_id.clear();
    timing.sequence = 0;
    timing.timing.pre_vote = ProtocolSwitch::own;
    CHECK(encode_command(timing) == "timing 0 0 0 check_quorum=on");
    REQUIRE(decode_command("timing 0 0 0 check_quorum=on").ok());
    CHECK(decode_command("timing 0 0 0 check_quorum=on").value() == timing);
    timing.timing = Timing{100, 300, 0, ProtocolSwitch::on, ProtocolSwitch::own};
    CHECK(encode_command(timing) == "timing 100 300 0 pre_vote=on");
    CHECK(decode_command("timing 100 300 0 pre_vote=on").value() == timing);

    for (const char* bad : {"timing 0 0 0 check_quorum=on pre_vote=off",
                            "timing 0 0 0 pre_vote=own", "timing 0 0 0 pre_vote=",
                            "timing 0 0 0 pre_vote=ON", "timing 0 0 0 pre_vote=on pre_vote=on",
                            "timing 0 0 0 pre_vote=on check_quorum=off extra",
                            "timing 0 0 0 prevote=on", "timing 0 0 0 pre_vote=on  c=a s=1",
                            "timing 0 0 0 c=a s=1 pre_vote=on", "move 1 2 pre_vote=on",
                            "timing 0 0 pre_vote=on"}) {
        INFO(bad);
        CHECK_FALSE(decode_command(bad).ok());
    }
}

TEST_CASE("a timing change merges with the timing in force", "[escort]")
{
    // Goal: a request that names only the switches keeps the durations in
    // force and the other way round; a reset goes back to every node's own.
    using raftescort::escort::ProtocolSwitch;
    using raftescort::escort::Timing;
    using raftescort::escort::TimingChange;
    const Timing in_force{100, 600, 50, ProtocolSwitch::off, ProtocolSwitch::own};

    TimingChange switches;
    switches.check_quorum = false;
    CHECK(changed_timing(in_force, switches)
          == Timing{100, 600, 50, ProtocolSwitch::off, ProtocolSwitch::off});

    TimingChange durations;
    durations.durations = Timing{200, 900, 0};
    CHECK(changed_timing(in_force, durations)
          == Timing{200, 900, 0, ProtocolSwitch::off, ProtocolSwitch::own});

    TimingChange both = durations;
    both.pre_vote = true;
    both.check_quorum = true;
    CHECK(changed_timing(in_force, both)
          == Timing{200, 900, 0, ProtocolSwitch::on, ProtocolSwitch::on});

    TimingChange reset;
    reset.reset = true;
    CHECK(changed_timing(in_force, reset) == Timing{});

    CHECK(protocol_switch_in_force(ProtocolSwitch::own, false) == false);
    CHECK(protocol_switch_in_force(ProtocolSwitch::own, true) == true);
    CHECK(protocol_switch_in_force(ProtocolSwitch::on, false) == true);
    CHECK(protocol_switch_in_force(ProtocolSwitch::off, true) == false);
}
