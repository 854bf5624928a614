// Formation: slot assignment, positions, take_lead and roster changes.

#include <raftescort/escort/escort.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>

using raftescort::escort::Escort;
using raftescort::escort::Point;
using raftescort::raft::ConfChange;
using raftescort::raft::ConfChangeType;
using raftescort::raft::ConfState;
using raftescort::raft::Entry;
using raftescort::raft::EntryType;
using raftescort::raft::Index;
using raftescort::raft::NodeId;
using raftescort::raft::Term;
using Kind = raftescort::escort::ApplyResult::Kind;

namespace {

ConfState members(std::initializer_list<std::uint64_t> voters,
                  std::initializer_list<std::uint64_t> learners = {})
{
    ConfState conf;
    for (std::uint64_t id : voters) {
        conf.voters.insert(NodeId{id});
    }
    for (std::uint64_t id : learners) {
        conf.learners.insert(NodeId{id});
    }
    return conf;
}

Entry lead_entry(std::uint64_t index, std::uint64_t node)
{
    return Entry{Term{1}, Index{index}, EntryType::leader_noop, std::to_string(node)};
}

Entry conf_entry(std::uint64_t index, ConfChangeType type, std::uint64_t node)
{
    std::string data = raftescort::raft::encode_conf_change(ConfChange{type, NodeId{node}, ""});
    return Entry{Term{1}, Index{index}, EntryType::conf_change, data};
}

std::uint32_t slot_of(const Escort& escort, std::uint64_t node)
{
    return escort.roster().at(NodeId{node});
}

} // namespace

TEST_CASE("slot offsets alternate left and right in widening rows", "[escort]")
{
    // Goal: the documented slot geometry, checked slot by slot for the first rows.
    CHECK(Escort::slot_offset(0) == Point{0, 0});
    CHECK(Escort::slot_offset(1) == Point{-1, 1});
    CHECK(Escort::slot_offset(2) == Point{-1, -1});
    CHECK(Escort::slot_offset(3) == Point{-2, 2});
    CHECK(Escort::slot_offset(4) == Point{-2, -2});
    CHECK(Escort::slot_offset(5) == Point{-3, 3});
    CHECK(Escort::slot_offset(4'294'967'295u) == Point{-2'147'483'648, 2'147'483'648});
}

TEST_CASE("bootstrap roster assigns slots in ascending node id order", "[escort]")
{
    // Goal: voters and learners join in id order, the smallest id leads from [0,0].
    Escort escort(members({7, 3}, {5}));
    CHECK(escort.lead_unit() == NodeId{3});
    CHECK(slot_of(escort, 3) == 0);
    CHECK(slot_of(escort, 5) == 1);
    CHECK(slot_of(escort, 7) == 2);
    CHECK(escort.lead_point() == Point{0, 0});
    CHECK(escort.mission().target == Point{100, 0});
    CHECK_FALSE(escort.mission().running);
    CHECK(escort.position_of(NodeId{3}) == Point{0, 0});
    CHECK(escort.position_of(NodeId{5}) == Point{-1, 1});
    CHECK(escort.position_of(NodeId{7}) == Point{-1, -1});
    CHECK_FALSE(escort.position_of(NodeId{4}).has_value());
}

TEST_CASE("an empty bootstrap has no lead unit", "[escort]")
{
    // Goal: Escort() is valid and empty; the first take_lead fills slot 0.
    Escort escort;
    CHECK(escort.lead_unit() == raftescort::raft::k_no_node);
    CHECK(escort.roster().empty());
    CHECK(escort.apply(lead_entry(1, 4)).kind == Kind::lead_taken);
    CHECK(escort.lead_unit() == NodeId{4});
    CHECK(slot_of(escort, 4) == 0);
}

TEST_CASE("take_lead swaps the new and previous lead units", "[escort]")
{
    // Goal: only two positions change when the lead passes to a roster member.
    Escort escort(members({1, 2, 3}));
    auto result = escort.apply(lead_entry(1, 3));
    CHECK(result.kind == Kind::lead_taken);
    CHECK(escort.lead_unit() == NodeId{3});
    CHECK(slot_of(escort, 3) == 0);
    CHECK(slot_of(escort, 1) == 2);
    CHECK(slot_of(escort, 2) == 1);
    CHECK(result.lead_before == result.lead_after);
    CHECK(escort.last_applied_index() == Index{1});
}

TEST_CASE("take_lead by the current lead unit changes nothing", "[escort]")
{
    // Goal: a re-elected leader's no-op leaves the formation as it was.
    Escort escort(members({1, 2}));
    auto before = escort.roster();
    CHECK(escort.apply(lead_entry(1, 1)).kind == Kind::lead_taken);
    CHECK(escort.roster() == before);
    CHECK(escort.lead_unit() == NodeId{1});
}

TEST_CASE("take_lead by a node off the roster adds it at slot 0", "[escort]")
{
    // Goal: the previous lead unit takes the smallest free slot, others stay put.
    Escort escort(members({1, 2, 3}));
    escort.apply(conf_entry(1, ConfChangeType::remove_node, 2)); // frees slot 1
    CHECK(escort.apply(lead_entry(2, 9)).kind == Kind::lead_taken);
    CHECK(escort.lead_unit() == NodeId{9});
    CHECK(slot_of(escort, 9) == 0);
    CHECK(slot_of(escort, 1) == 1);
    CHECK(slot_of(escort, 3) == 2);
}

TEST_CASE("malformed take_lead data is a no-op", "[escort]")
{
    // Goal: committed garbage is skipped the same way on every node.
    for (const char* data : {"", "0", "x", "1 ", "-1", "99999999999999999999999", " 2"}) {
        Escort escort(members({1, 2}));
        Escort before = escort;
        Entry entry{Term{1}, Index{1}, EntryType::leader_noop, data};
        CHECK(escort.apply(entry).kind == Kind::no_op);
        CHECK(escort.roster() == before.roster());
        CHECK(escort.lead_unit() == before.lead_unit());
        CHECK(escort.last_applied_index() == Index{1});
    }
}

TEST_CASE("roster changes add at the smallest free slot and remove", "[escort]")
{
    // Goal: learners fill gaps left by removed nodes; promotion keeps the slot.
    Escort escort(members({1, 2, 3}));
    CHECK(escort.apply(conf_entry(1, ConfChangeType::remove_node, 2)).kind == Kind::roster);
    CHECK(escort.roster().count(NodeId{2}) == 0);
    CHECK(escort.apply(conf_entry(2, ConfChangeType::add_learner, 8)).kind == Kind::roster);
    CHECK(slot_of(escort, 8) == 1);
    CHECK(escort.apply(conf_entry(3, ConfChangeType::promote_voter, 8)).kind == Kind::roster);
    CHECK(slot_of(escort, 8) == 1);
    CHECK(escort.apply(conf_entry(4, ConfChangeType::promote_voter, 6)).kind == Kind::roster);
    CHECK(slot_of(escort, 6) == 3);
    CHECK(escort.apply(conf_entry(5, ConfChangeType::add_learner, 6)).kind == Kind::roster);
    CHECK(slot_of(escort, 6) == 3);
    CHECK(escort.roster().size() == 4);
}

TEST_CASE("removing the lead unit leaves slot 0 empty until take_lead", "[escort]")
{
    // Goal: no node silently inherits slot 0; the next leader's no-op fills it.
    Escort escort(members({1, 2, 3}));
    escort.apply(conf_entry(1, ConfChangeType::remove_node, 1));
    CHECK(escort.lead_unit() == raftescort::raft::k_no_node);
    escort.apply(conf_entry(2, ConfChangeType::add_learner, 4));
    CHECK(slot_of(escort, 4) == 3);
    escort.apply(lead_entry(3, 2));
    CHECK(escort.lead_unit() == NodeId{2});
    CHECK(slot_of(escort, 2) == 0);
    CHECK(slot_of(escort, 3) == 2);
    CHECK(slot_of(escort, 4) == 3);
}

TEST_CASE("malformed conf change data is a no-op", "[escort]")
{
    // Goal: an undecodable membership entry leaves the roster alone.
    Escort escort(members({1, 2}));
    auto before = escort.roster();
    Entry entry{Term{1}, Index{1}, EntryType::conf_change, "7 2 "};
    CHECK(escort.apply(entry).kind == Kind::no_op);
    CHECK(escort.roster() == before);
}
