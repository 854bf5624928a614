// Unit tests of the built-in faults (chaos/fault.hpp, chaos/fault_plan.hpp):
// a fault's JSON form is checked field by field, and the plan's verdicts
// and expiry do what each kind promises.

#include <raftescort/chaos/fault_plan.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace {

using nlohmann::json;
using namespace raftescort::chaos;
using raftescort::raft::NodeId;

constexpr NodeId k_self{1};

FaultSpec parsed(const char* text)
{
    auto spec = fault_spec_from_json(json::parse(text), k_self);
    INFO(text);
    REQUIRE(spec);
    return spec.value();
}

std::string refusal(const char* text)
{
    auto spec = fault_spec_from_json(json::parse(text), k_self);
    REQUIRE_FALSE(spec);
    return spec.error().message;
}

} // namespace

TEST_CASE("a fault's JSON form is read with its kind's fields and defaults", "[chaos]")
{
    FaultSpec isolate = parsed(R"({"kind": "isolate"})");
    CHECK(isolate.kind == FaultKind::isolate);
    CHECK(isolate.duration_ms == k_fault_duration_ms_default);

    FaultSpec partition = parsed(R"({"kind": "partition", "peers": [3, 2], "for_ms": 5000})");
    CHECK(partition.peers == std::set<NodeId>{NodeId{2}, NodeId{3}});
    CHECK(partition.direction == Direction::both);
    CHECK(partition.duration_ms == 5000);

    FaultSpec delay = parsed(R"({"kind": "delay", "delay_ms": 80, "jitter_ms": 20, "by": "ctl"})");
    CHECK(delay.delay_ms == 80);
    CHECK(delay.jitter_ms == 20);
    CHECK(delay.peers.empty());
    CHECK(delay.direction == Direction::out);
    CHECK(delay.requested_by == "ctl");

    FaultSpec drop = parsed(R"({"kind": "drop", "rate": 0.3, "direction": "both"})");
    CHECK(drop.rate_ppm == 300'000);
    CHECK(drop.direction == Direction::both);

    // The JSON form comes back as it went in.
    for (const FaultSpec& spec : {isolate, partition, delay, drop}) {
        FaultSpec again = fault_spec_from_json(fault_spec_json(spec), k_self).value();
        CHECK(fault_spec_json(again) == fault_spec_json(spec));
    }
    CHECK(describe_fault(delay) == "delay 80ms +-20ms on every link for 60s by ctl");
    CHECK(describe_fault(partition) == "partition from 2,3 for 5s");
    CHECK(describe_fault(drop) == "drop 30% on every link (both) for 60s");
}

TEST_CASE("a fault that asks for the wrong thing is refused, named", "[chaos]")
{
    CHECK(refusal(R"({"kind": "melt"})").find("unknown fault kind") != std::string::npos);
    CHECK(refusal(R"({"for_ms": 5})").find("\"kind\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "partition"})").find("needs \"peers\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "partition", "peers": [1]})").find("names this node")
          != std::string::npos);
    CHECK(refusal(R"({"kind": "partition", "peers": [0]})").find("node ids") != std::string::npos);
    CHECK(refusal(R"({"kind": "partition", "peers": [2], "direction": "up"})").find("\"direction\"")
          != std::string::npos);
    CHECK(refusal(R"({"kind": "isolate", "rate": 0.5})")
          == "field \"rate\" does not apply to isolate");
    CHECK(refusal(R"({"kind": "delay"})").find("\"delay_ms\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "delay", "delay_ms": 60001})").find("1..60000") != std::string::npos);
    CHECK(refusal(R"({"kind": "delay", "delay_ms": "80"})").find("\"delay_ms\"")
          != std::string::npos);
    CHECK(refusal(R"({"kind": "drop"})").find("\"rate\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "drop", "rate": 1.5})").find("0 < rate <= 1") != std::string::npos);
    CHECK(refusal(R"({"kind": "drop", "rate": 0})").find("0 < rate <= 1") != std::string::npos);
    CHECK(refusal(R"({"kind": "pause", "for_ms": 0})").find("\"for_ms\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "pause", "for_ms": 3600001})").find("\"for_ms\"")
          != std::string::npos);
    CHECK(refusal(R"({"kind": "pause", "for_ms": -5})").find("\"for_ms\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "pause", "by": 7})").find("\"by\"") != std::string::npos);
    CHECK(refusal(R"([1])") == "a fault is a JSON object");
}

TEST_CASE("the plan's verdicts follow each kind, per link and per direction", "[chaos]")
{
    FaultPlan plan(7);
    CHECK_FALSE(plan.judge(NodeId{2}, Direction::in).drop);

    plan.apply(parsed(R"({"kind": "partition", "peers": [2], "direction": "in"})"), 0);
    CHECK(plan.judge(NodeId{2}, Direction::in).drop);
    CHECK_FALSE(plan.judge(NodeId{2}, Direction::out).drop);
    CHECK_FALSE(plan.judge(NodeId{3}, Direction::in).drop);

    plan.apply(parsed(R"({"kind": "delay", "delay_ms": 50, "jitter_ms": 10, "peers": [3]})"), 0);
    for (int i = 0; i < 100; ++i) {
        Verdict out = plan.judge(NodeId{3}, Direction::out);
        CHECK(out.delay_ms >= 50);
        CHECK(out.delay_ms <= 60);
        CHECK(plan.judge(NodeId{3}, Direction::in).delay_ms == 0);
        CHECK(plan.judge(NodeId{4}, Direction::out).delay_ms == 0);
    }

    plan.apply(parsed(R"({"kind": "isolate"})"), 0);
    CHECK(plan.judge(NodeId{4}, Direction::in).drop);
    CHECK(plan.judge(NodeId{5}, Direction::out).drop);
    CHECK_FALSE(plan.paused());
    plan.apply(parsed(R"({"kind": "pause"})"), 0);
    CHECK(plan.paused());
    CHECK(plan.in_force().size() == 4);
    CHECK(plan.heal_all().size() == 4);
    CHECK(plan.empty());
    CHECK_FALSE(plan.judge(NodeId{4}, Direction::in).drop);
}

TEST_CASE("a drop or duplicate rate holds over many messages", "[chaos]")
{
    FaultPlan plan(11);
    plan.apply(parsed(R"({"kind": "drop", "rate": 0.3})"), 0);
    plan.apply(parsed(R"({"kind": "duplicate", "rate": 0.1})"), 0);
    int dropped = 0;
    int duplicated = 0;
    constexpr int k_messages = 20000;
    for (int i = 0; i < k_messages; ++i) {
        Verdict verdict = plan.judge(NodeId{2}, Direction::out);
        dropped += verdict.drop ? 1 : 0;
        duplicated += verdict.duplicate ? 1 : 0;
        CHECK_FALSE(plan.judge(NodeId{2}, Direction::in).drop);
    }
    CHECK(dropped > k_messages * 27 / 100);
    CHECK(dropped < k_messages * 33 / 100);
    CHECK(duplicated > k_messages * 8 / 100);
    CHECK(duplicated < k_messages * 12 / 100);
}

TEST_CASE("every fault heals itself when its time is up, and a new one replaces its kind",
          "[chaos]")
{
    FaultPlan plan(3);
    plan.apply(parsed(R"({"kind": "isolate", "for_ms": 1000})"), 100);
    plan.apply(parsed(R"({"kind": "pause", "for_ms": 5000})"), 200);
    CHECK(plan.expire(1099).empty());
    auto healed = plan.expire(1100);
    REQUIRE(healed.size() == 1);
    CHECK(healed[0].spec.kind == FaultKind::isolate);
    CHECK(healed[0].since_ms == 100);
    CHECK(plan.paused());

    auto replaced = plan.apply(parsed(R"({"kind": "pause", "for_ms": 100})"), 1200);
    REQUIRE(replaced);
    CHECK(replaced->until_ms == 5200);
    REQUIRE(plan.in_force().size() == 1);
    CHECK(plan.in_force()[0].until_ms == 1300);
    CHECK(plan.expire(1300).size() == 1);
    CHECK_FALSE(plan.paused());
}

TEST_CASE("the faults in force are shown with their time left", "[chaos]")
{
    FaultPlan plan(5);
    plan.apply(parsed(R"({"kind": "drop", "rate": 0.25, "peers": [2], "for_ms": 10000})"), 1000);
    json shown = active_faults_json(plan.in_force(), 4000);
    REQUIRE(shown.size() == 1);
    CHECK(shown[0]["kind"] == "drop");
    CHECK(shown[0]["rate"] == 0.25);
    CHECK(shown[0]["peers"] == json::array({2}));
    CHECK(shown[0]["since_ms"] == 3000);
    CHECK(shown[0]["remaining_ms"] == 7000);
    CHECK(shown[0]["description"] == "drop 25% on links to 2 for 10s");
    CHECK(active_faults_json(plan.in_force(), 20000)[0]["remaining_ms"] == 0);
}

TEST_CASE("crash and disk-stall are faults like the others; heal takes one kind", "[chaos]")
{
    FaultSpec crash = parsed(R"({"kind": "crash", "for_ms": 4000})");
    CHECK(crash.kind == FaultKind::crash);
    CHECK(describe_fault(crash) == "crash for 4s");
    FaultSpec stall = parsed(R"({"kind": "disk-stall", "delay_ms": 250})");
    CHECK(stall.kind == FaultKind::disk_stall);
    CHECK(stall.delay_ms == 250);
    CHECK(describe_fault(stall) == "disk-stall +250ms per fsync for 60s");
    CHECK(fault_spec_json(stall) == json::parse(R"({"kind": "disk-stall", "delay_ms": 250,
                                                    "for_ms": 60000})"));
    CHECK(refusal(R"({"kind": "disk-stall"})").find("\"delay_ms\"") != std::string::npos);
    CHECK(refusal(R"({"kind": "disk-stall", "delay_ms": 10001})").find("1..10000")
          != std::string::npos);
    CHECK(refusal(R"({"kind": "disk-stall", "delay_ms": 5, "jitter_ms": 1})")
          == "field \"jitter_ms\" does not apply to disk-stall");
    CHECK(refusal(R"({"kind": "crash", "peers": [2]})")
          == "field \"peers\" does not apply to crash");

    FaultPlan plan(7);
    CHECK_FALSE(plan.crashed());
    CHECK(plan.disk_stall_ms() == 0);
    plan.apply(crash, 0);
    plan.apply(stall, 0);
    CHECK(plan.crashed());
    CHECK(plan.disk_stall_ms() == 250);
    // A crashed node takes no message; a disk stall touches none.
    CHECK(plan.judge(NodeId{2}, Direction::in).drop);
    CHECK(plan.heal(FaultKind::crash).has_value());
    CHECK_FALSE(plan.heal(FaultKind::crash).has_value());
    CHECK_FALSE(plan.crashed());
    const Verdict verdict = plan.judge(NodeId{2}, Direction::out);
    CHECK_FALSE(verdict.drop);
    CHECK(verdict.delay_ms == 0);
    CHECK(plan.disk_stall_ms() == 250);
    CHECK(plan.expire(60'000).size() == 1);
    CHECK(plan.disk_stall_ms() == 0);
}
