// Escort snapshots: serialize/deserialize round trips and rejection of bad input.

#include <raftescort/escort/escort.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using raftescort::escort::Escort;
using raftescort::escort::Point;
using raftescort::raft::ConfState;
using raftescort::raft::Entry;
using raftescort::raft::EntryType;
using raftescort::raft::Index;
using raftescort::raft::NodeId;
using raftescort::raft::Term;
using raftescort::util::ErrorCode;

namespace {

// An escort with every part of the state away from its default.
Escort busy_escort()
{
    ConfState conf;
    conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    conf.learners = {NodeId{9}};
    Escort escort(conf);
    const std::vector<Entry> entries = {
        {Term{2}, Index{4}, EntryType::leader_noop, "3"},
        {Term{2}, Index{5}, EntryType::normal, "mission -4 6 run"},
        {Term{2}, Index{6}, EntryType::normal, "step 0 0"},
        {Term{2}, Index{7}, EntryType::normal, "move 7 -3 c=cli7 s=12"},
        {Term{3}, Index{8}, EntryType::normal, "move 1 1 c=alpha s=1"},
        {Term{3}, Index{9}, EntryType::conf_change, "2 3 "},
    };
    for (const Entry& entry : entries) {
        escort.apply(entry);
    }
    REQUIRE(escort.lead_point() == Point{7, -2});
    REQUIRE(escort.lead_unit() == raftescort::raft::k_no_node);
    return escort;
}

} // namespace

TEST_CASE("serialize and deserialize round trip to an equal escort", "[escort]")
{
    // Goal: a snapshot holds everything, so the restored escort compares equal.
    for (const Escort& escort : {Escort(), busy_escort()}) {
        std::string data = escort.serialize();
        auto loaded = Escort::deserialize(data);
        REQUIRE(loaded.ok());
        CHECK(loaded.value() == escort);
        CHECK(loaded.value().serialize() == data);
        CHECK(loaded.value().state_hash() == escort.state_hash());
    }
}

TEST_CASE("a restored escort keeps deduplicating and applying alike", "[escort]")
{
    // Goal: the client table and applied index survive a snapshot, not just the point.
    Escort original = busy_escort();
    auto loaded = Escort::deserialize(original.serialize());
    REQUIRE(loaded.ok());
    Escort restored = loaded.value();
    Entry retry{Term{3}, Index{10}, EntryType::normal, "move 7 -3 c=cli7 s=12"};
    CHECK(original.apply(retry).kind == raftescort::escort::ApplyResult::Kind::duplicate);
    CHECK(restored.apply(retry).kind == raftescort::escort::ApplyResult::Kind::duplicate);
    CHECK(restored == original);
}

TEST_CASE("every truncation of a snapshot is rejected", "[escort]")
{
    // Goal: a short read never loads; each prefix returns a corrupt error.
    std::string data = busy_escort().serialize();
    for (std::size_t length = 0; length < data.size(); ++length) {
        auto loaded = Escort::deserialize(std::string_view(data).substr(0, length));
        INFO("length " << length);
        REQUIRE_FALSE(loaded.ok());
        CHECK(loaded.error().code == ErrorCode::corrupt);
    }
}

TEST_CASE("garbled snapshots are rejected, never loaded or crashed on", "[escort]")
{
    // Goal: single-byte corruption anywhere either fails cleanly or, if it still
    // parses, loads a state that writes back the same bytes.
    std::string data = busy_escort().serialize();
    const char replacements[] = {'\0', ' ', '\n', '-', '0', '9', 'x', '\xff'};
    for (std::size_t position = 0; position < data.size(); ++position) {
        for (char replacement : replacements) {
            std::string garbled = data;
            garbled[position] = replacement;
            auto loaded = Escort::deserialize(garbled);
            if (loaded.ok()) {
                CHECK(loaded.value().serialize() == garbled);
            }
        }
    }
}

TEST_CASE("snapshots that break an invariant are rejected", "[escort]")
{
    // Goal: well-formed text describing an impossible state does not load.
    auto with = [](const std::string& lead, const std::string& roster, const std::string& clients) {
        return "escort 1\napplied 5 1\n" + lead + "\nmission 100 0 pause 0\n" + roster + clients
               + "end\n";
    };
    const std::string good_roster = "roster 2\n1 0\n2 1\n";
    const std::string no_clients = "clients 0\n";
    REQUIRE(Escort::deserialize(with("lead 0 0 1", good_roster, no_clients)).ok());
    const std::vector<std::string> bad = {
        with("lead 0 0 2", good_roster, no_clients),                  // lead not at slot 0
        with("lead 0 0 7", good_roster, no_clients),                  // lead off roster
        with("lead 0 0 0", good_roster, no_clients),                  // slot 0 without lead
        with("lead 0 0 1", "roster 2\n1 0\n2 0\n", no_clients),       // slot twice
        with("lead 0 0 1", "roster 2\n2 1\n1 0\n", no_clients),       // not ascending
        with("lead 0 0 1", "roster 2\n1 0\n1 1\n", no_clients),       // node twice
        with("lead 0 0 0", "roster 1\n0 1\n", no_clients),            // node 0
        with("lead 1000000001 0 1", good_roster, no_clients),         // out of bounds
        with("lead 0 0 1", good_roster, "clients 1\nc 1 6\n"),        // future index
        with("lead 0 0 1", good_roster, "clients 1\nc 1 0\n"),        // index 0
        with("lead 0 0 1", good_roster, "clients 1\nbad!id 1 2\n"),   // bad client id
        with("lead 0 0 1", good_roster, "clients 2\nb 1 2\na 1 3\n"), // not ascending
        with("lead 0 0 1", good_roster, "clients 1025\n"),            // over the bound
        with("lead 0 0 1", "roster 99999999999999\n", no_clients),    // huge count
        with("lead 0 0 1", good_roster, no_clients) + "x",            // trailing data
        with("lead 00 0 1", good_roster, no_clients),                 // non-canonical
        "escort 2\n",                                                 // unknown version
        "",
    };
    for (const std::string& data : bad) {
        INFO(data);
        auto loaded = Escort::deserialize(data);
        CHECK_FALSE(loaded.ok());
    }
}

TEST_CASE("a timing in force travels in the snapshot; without one the format is version 1",
          "[escort]")
{
    // Goal: a node restored from a snapshot runs at the cluster's timing, and
    // a cluster that never changed its timing writes what it always wrote.
    Escort escort = busy_escort();
    const std::string before = escort.serialize();
    CHECK(before.rfind("escort 1\n", 0) == 0);
    using Kind = raftescort::escort::ApplyResult::Kind;
    CHECK(escort.apply(Entry{Term{3}, Index{10}, EntryType::normal, "timing 1000 6000 0"}).kind
          == Kind::timing_set);
    // Broken timings are skipped alike on every node.
    CHECK(escort.apply(Entry{Term{3}, Index{11}, EntryType::normal, "timing 1000 2000 0"}).kind
          == Kind::no_op);
    CHECK(escort.timing() == raftescort::escort::Timing{1000, 6000, 0});
    CHECK(escort.timing_index() == Index{10});
    const std::string data = escort.serialize();
    CHECK(data.rfind("escort 2\n", 0) == 0);
    CHECK(data.find("\ntiming 1000 6000 0 10\n") != std::string::npos);
    auto loaded = Escort::deserialize(data);
    REQUIRE(loaded.ok());
    CHECK(loaded.value() == escort);
    CHECK(loaded.value().state_hash() == escort.state_hash());
    CHECK(escort.state_hash() != busy_escort().state_hash());

    // A reset is still a timing command: it stays on record with its index.
    CHECK(escort.apply(Entry{Term{3}, Index{12}, EntryType::normal, "timing 0 0 0"}).kind
          == Kind::timing_set);
    CHECK(escort.serialize().find("\ntiming 0 0 0 12\n") != std::string::npos);

    for (const char* bad :
         {"timing 1000 2000 0 10", "timing 1000 6000 0 0", "timing 1000 6000 0 99"}) {
        std::string garbled = data;
        garbled.replace(garbled.find("timing 1000 6000 0 10"), 21, bad);
        INFO(bad);
        CHECK_FALSE(Escort::deserialize(garbled).ok());
    }
    std::string without_line = data;
    without_line.replace(0, 8, "escort 1");
    CHECK_FALSE(Escort::deserialize(without_line).ok());
}

TEST_CASE("protocol switches travel in a version 3 snapshot; older versions still load",
          "[escort]")
{
    // Goal: a snapshot written before the switches existed (versions 1 and
    // 2) loads with both switches "own", and a switch in force survives a
    // snapshot, written as version 3 only while one is set.
    using raftescort::escort::ProtocolSwitch;
    using raftescort::escort::Timing;
    Escort escort = busy_escort();
    escort.apply(Entry{Term{3}, Index{10}, EntryType::normal, "timing 1000 6000 0"});
    const std::string version_2 = escort.serialize();
    REQUIRE(version_2.rfind("escort 2\n", 0) == 0);
    // Written literally as the previous release wrote it.
    const std::string old_snapshot = "escort 2\n"
                                     "applied 10 3\n"
                                     "lead 7 -2 0\n"
                                     "mission -4 6 run 1\n"
                                     "timing 1000 6000 0 10\n"
                                     "roster 3\n"
                                     "1 2\n"
                                     "2 1\n"
                                     "9 3\n"
                                     "clients 2\n"
                                     "alpha 1 8\n"
                                     "cli7 12 7\n"
                                     "end\n";
    CHECK(version_2 == old_snapshot);
    auto old_loaded = Escort::deserialize(old_snapshot);
    REQUIRE(old_loaded.ok());
    CHECK(old_loaded.value().timing() == Timing{1000, 6000, 0});
    CHECK(old_loaded.value().timing().pre_vote == ProtocolSwitch::own);

    escort.apply(Entry{Term{3}, Index{11}, EntryType::normal,
                       "timing 1000 6000 0 pre_vote=off check_quorum=on"});
    CHECK(escort.timing() == Timing{1000, 6000, 0, ProtocolSwitch::off, ProtocolSwitch::on});
    const std::string data = escort.serialize();
    CHECK(data.rfind("escort 3\n", 0) == 0);
    CHECK(data.find("\ntiming 1000 6000 0 11 off on\n") != std::string::npos);
    auto loaded = Escort::deserialize(data);
    REQUIRE(loaded.ok());
    CHECK(loaded.value() == escort);
    CHECK(loaded.value().timing().pre_vote == ProtocolSwitch::off);
    CHECK(loaded.value().timing().check_quorum == ProtocolSwitch::on);

    for (const char* bad : {"timing 1000 6000 0 11 own own", "timing 1000 6000 0 11 off",
                            "timing 1000 6000 0 11 off yes", "timing 1000 6000 0 11 off on x",
                            "timing 1000 6000 0 11"}) {
        std::string garbled = data;
        garbled.replace(garbled.find("timing 1000 6000 0 11 off on"), 28, bad);
        INFO(bad);
        CHECK_FALSE(Escort::deserialize(garbled).ok());
    }
    std::string as_version_2 = data;
    as_version_2.replace(0, 8, "escort 2");
    CHECK_FALSE(Escort::deserialize(as_version_2).ok());

    // A reset goes back to the earlier format.
    escort.apply(Entry{Term{3}, Index{12}, EntryType::normal, "timing 0 0 0"});
    CHECK(escort.serialize().rfind("escort 2\n", 0) == 0);
}
