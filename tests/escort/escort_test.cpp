// Applying commands: steps, moves, missions, deduplication and determinism.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using raftescort::escort::Command;
using raftescort::escort::CommandKind;
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
using raftescort::util::Rng;
using Kind = raftescort::escort::ApplyResult::Kind;

namespace {

ConfState three_voters()
{
    ConfState conf;
    conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    return conf;
}

// Feeds entries with consecutive indexes, as Raft delivers committed entries.
class Feeder {
public:
    explicit Feeder(Escort& escort) : m_escort(escort) { }

    raftescort::escort::ApplyResult command(const Command& command)
    {
        return raw(EntryType::normal, raftescort::escort::encode_command(command));
    }

    raftescort::escort::ApplyResult raw(EntryType type, std::string data)
    {
        ++m_index;
        return m_escort.apply(Entry{Term{1}, Index{m_index}, type, std::move(data)});
    }

private:
    Escort& m_escort;
    std::uint64_t m_index = 0;
};

Command step(Point from)
{
    Command command;
    command.kind = CommandKind::step;
    command.from = from;
    return command;
}

Command move(std::int64_t dx, std::int64_t dy, std::string client_id = "",
             std::uint64_t sequence = 0)
{
    Command command;
    command.kind = CommandKind::move;
    command.dx = dx;
    command.dy = dy;
    command.client_id = std::move(client_id);
    command.sequence = sequence;
    return command;
}

Command mission(Point target, bool running)
{
    Command command;
    command.kind = CommandKind::mission;
    command.target = target;
    command.running = running;
    return command;
}

} // namespace

TEST_CASE("steps walk along x then y, complete the mission and stop", "[escort]")
{
    // Goal: the autopilot path is x first, one unit per step, ending on the target.
    Escort escort(three_voters());
    Feeder feed(escort);
    CHECK(feed.command(mission(Point{2, -2}, true)).kind == Kind::mission_set);
    std::vector<Point> path;
    for (int i = 0; i < 4; ++i) {
        auto result = feed.command(step(escort.lead_point()));
        CHECK(result.kind == Kind::stepped);
        path.push_back(result.lead_after);
    }
    CHECK(path == std::vector<Point>{{1, 0}, {2, 0}, {2, -1}, {2, -2}});
    CHECK(escort.mission().steps_taken == 4);
    CHECK_FALSE(escort.mission().running);
    // The mission is over: a further step changes nothing.
    CHECK(feed.command(step(escort.lead_point())).kind == Kind::no_op);
    CHECK(escort.lead_point() == Point{2, -2});
    CHECK(escort.position_of(NodeId{2}) == Point{1, -1});
}

TEST_CASE("steps move toward negative targets", "[escort]")
{
    // Goal: the sign of each axis is followed, not assumed positive.
    Escort escort(three_voters());
    Feeder feed(escort);
    feed.command(mission(Point{-1, 1}, true));
    CHECK(feed.command(step(Point{0, 0})).lead_after == Point{-1, 0});
    CHECK(feed.command(step(Point{-1, 0})).lead_after == Point{-1, 1});
    CHECK_FALSE(escort.mission().running);
}

TEST_CASE("a stale or paused step is ignored", "[escort]")
{
    // Goal: a step from a point the lead has left never lands; paused missions don't move.
    Escort escort(three_voters());
    Feeder feed(escort);
    CHECK(feed.command(step(Point{0, 0})).kind == Kind::no_op); // not running yet
    feed.command(mission(Point{10, 0}, true));
    CHECK(feed.command(step(Point{0, 0})).kind == Kind::stepped);
    auto stale = feed.command(step(Point{0, 0}));
    CHECK(stale.kind == Kind::stale);
    CHECK(stale.lead_before == stale.lead_after);
    CHECK(escort.lead_point() == Point{1, 0});
    CHECK(escort.mission().steps_taken == 1);
    feed.command(mission(Point{10, 0}, false));
    CHECK(feed.command(step(Point{1, 0})).kind == Kind::no_op);
    CHECK(escort.lead_point() == Point{1, 0});
}

TEST_CASE("a running mission whose target is the lead point steps nowhere", "[escort]")
{
    // Goal: a step at the target is a no-op and counts no step.
    Escort escort(three_voters());
    Feeder feed(escort);
    feed.command(mission(Point{0, 0}, true));
    CHECK(feed.command(step(Point{0, 0})).kind == Kind::no_op);
    CHECK(escort.mission().steps_taken == 0);
}

TEST_CASE("a client move shifts the formation within bounds", "[escort]")
{
    // Goal: moves shift every position; oversized or out-of-bounds moves are no-ops.
    Escort escort(three_voters());
    Feeder feed(escort);
    auto moved = feed.command(move(3, -4));
    CHECK(moved.kind == Kind::moved);
    CHECK(moved.lead_before == Point{0, 0});
    CHECK(moved.lead_after == Point{3, -4});
    CHECK(escort.position_of(NodeId{3}) == Point{2, -5});
    CHECK(feed.command(move(1'000'001, 0)).kind == Kind::no_op);
    CHECK(feed.command(move(0, -1'000'001)).kind == Kind::no_op);
    CHECK(feed.command(move(1'000'000, 0)).kind == Kind::moved);
    for (int i = 0; i < 998; ++i) {
        REQUIRE(feed.command(move(1'000'000, 0)).kind == Kind::moved);
    }
    CHECK(escort.lead_point() == Point{999'000'003, -4});
    CHECK(feed.command(move(1'000'000, 0)).kind == Kind::no_op);
    CHECK(feed.command(move(999'997, 0)).kind == Kind::moved);
    CHECK(escort.lead_point() == Point{1'000'000'000, -4});
}

TEST_CASE("missions with targets out of bounds are no-ops", "[escort]")
{
    // Goal: the target is bounded like the lead point, so steps stay in bounds.
    Escort escort(three_voters());
    Feeder feed(escort);
    CHECK(feed.command(mission(Point{1'000'000'001, 0}, true)).kind == Kind::no_op);
    CHECK(escort.mission().target == Point{100, 0});
    CHECK_FALSE(escort.mission().running);
    CHECK(feed.command(mission(Point{-1'000'000'000, 5}, false)).kind == Kind::mission_set);
    CHECK(escort.mission().target == Point{-1'000'000'000, 5});
}

TEST_CASE("a retried client request is applied once", "[escort]")
{
    // Goal: (client, sequence) at or below the last applied sequence is a duplicate.
    Escort escort(three_voters());
    Feeder feed(escort);
    CHECK(feed.command(move(1, 0, "cli7", 5)).kind == Kind::moved);
    CHECK(feed.command(move(1, 0, "cli7", 5)).kind == Kind::duplicate);
    CHECK(feed.command(move(1, 0, "cli7", 4)).kind == Kind::duplicate);
    CHECK(escort.lead_point() == Point{1, 0});
    CHECK(feed.command(move(1, 0, "cli7", 6)).kind == Kind::moved);
    CHECK(feed.command(move(1, 0, "other", 1)).kind == Kind::moved);
    // No client id means no deduplication.
    CHECK(feed.command(move(1, 0)).kind == Kind::moved);
    CHECK(feed.command(move(1, 0)).kind == Kind::moved);
    CHECK(escort.lead_point() == Point{5, 0});
    CHECK(escort.clients().at("cli7").sequence == 6);
    CHECK(escort.clients().at("cli7").applied_index == Index{4});
    CHECK(escort.last_applied_index() == Index{7});
}

TEST_CASE("a request that changed nothing is still not retried", "[escort]")
{
    // Goal: the sequence is recorded even when the command was a no-op.
    Escort escort(three_voters());
    Feeder feed(escort);
    CHECK(feed.command(move(2'000'000, 0, "c", 1)).kind == Kind::no_op);
    CHECK(feed.command(move(2'000'000, 0, "c", 1)).kind == Kind::duplicate);
}

TEST_CASE("the client table evicts the client applied longest ago", "[escort]")
{
    // Goal: the table stays at k_clients_max, and eviction follows applied index.
    using raftescort::escort::k_clients_max;
    Escort escort(three_voters());
    Feeder feed(escort);
    for (std::size_t i = 0; i < k_clients_max; ++i) {
        REQUIRE(feed.command(move(0, 0, "c" + std::to_string(i), 1)).kind == Kind::moved);
    }
    // Refresh c0 so that c1 is now the oldest.
    CHECK(feed.command(move(0, 0, "c0", 2)).kind == Kind::moved);
    CHECK(escort.clients().size() == k_clients_max);
    CHECK(feed.command(move(0, 0, "new", 1)).kind == Kind::moved);
    CHECK(escort.clients().size() == k_clients_max);
    CHECK(escort.clients().count("c1") == 0);
    CHECK(escort.clients().count("c0") == 1);
    CHECK(feed.command(move(0, 0, "c2", 1)).kind == Kind::duplicate);
    // c1 was forgotten, so its retry applies again (the documented cost of the bound).
    CHECK(feed.command(move(0, 0, "c1", 1)).kind == Kind::moved);
    CHECK(escort.clients().count("c2") == 0);
    CHECK(escort.clients().size() == k_clients_max);
}

TEST_CASE("malformed command data is a no-op", "[escort]")
{
    // Goal: committed garbage changes only the applied index, never throws or asserts.
    const std::vector<std::string> garbage = {
        "",
        "step",
        "step 1",
        "move 1 x",
        "jump 1 2",
        "move 1 2 c=bad!id s=1",
        std::string("move 1 2\0", 9),
        std::string(10'000, 'x'),
        "move 1 2 s=1",
    };
    Escort escort(three_voters());
    Feeder feed(escort);
    for (const std::string& data : garbage) {
        Escort before = escort;
        auto result = feed.raw(EntryType::normal, data);
        CHECK(result.kind == Kind::no_op);
        CHECK(escort.lead_point() == before.lead_point());
        CHECK(escort.clients() == before.clients());
        CHECK(escort.last_applied_index() == Index{before.last_applied_index().value + 1});
    }
}

TEST_CASE("the applied index and term follow every entry type", "[escort]")
{
    // Goal: last applied index/term advance for commands, no-ops and membership alike.
    Escort escort(three_voters());
    escort.apply(Entry{Term{2}, Index{3}, EntryType::leader_noop, "2"});
    CHECK(escort.last_applied_index() == Index{3});
    CHECK(escort.last_applied_term() == Term{2});
    escort.apply(Entry{Term{4}, Index{9}, EntryType::conf_change, "junk"});
    CHECK(escort.last_applied_index() == Index{9});
    CHECK(escort.last_applied_term() == Term{4});
}

TEST_CASE("two escorts applying the same entries have equal state hashes", "[escort]")
{
    // Goal: determinism; and a hash that tells different states apart.
    Escort first(three_voters());
    Escort second(three_voters());
    CHECK(first.state_hash() == second.state_hash());
    std::vector<Entry> entries = {
        {Term{1}, Index{1}, EntryType::leader_noop, "2"},
        {Term{1}, Index{2}, EntryType::normal, "mission 3 1 run"},
        {Term{1}, Index{3}, EntryType::normal, "step 0 0"},
        {Term{1}, Index{4}, EntryType::normal, "move 5 5 c=a s=1"},
    };
    for (const Entry& entry : entries) {
        first.apply(entry);
        second.apply(entry);
        CHECK(first.state_hash() == second.state_hash());
    }
    CHECK(first == second);
    Escort third = second;
    third.apply(Entry{Term{1}, Index{5}, EntryType::normal, "move 0 1"});
    CHECK(third.state_hash() != second.state_hash());
}

namespace {

// A random committed entry: mostly valid commands, with stale steps, oversized moves,
// retries, membership churn, new leaders and plain garbage mixed in.
Entry random_entry(Rng& rng, const Escort& escort, std::uint64_t index, std::uint64_t term)
{
    Entry entry{Term{term}, Index{index}, EntryType::normal, ""};
    std::uint64_t choice = rng.uniform(100);
    auto small = [&rng](std::int64_t span) {
        return static_cast<std::int64_t>(rng.uniform(2 * span + 1)) - span;
    };
    Command command;
    if (rng.chance(0.3)) {
        // More clients than the table holds, so eviction runs.
        command.client_id = "client" + std::to_string(rng.uniform(1500));
        command.sequence = rng.uniform(20);
    }
    if (choice < 45) {
        command.kind = CommandKind::step;
        command.from = escort.lead_point();
        if (rng.chance(0.1)) {
            command.from.x += 1;
        }
    } else if (choice < 60) {
        command.kind = CommandKind::move;
        command.dx = rng.chance(0.05) ? 2'000'000 : small(3);
        command.dy = small(3);
    } else if (choice < 70) {
        command.kind = CommandKind::mission;
        command.target = Point{escort.lead_point().x + small(20), small(20)};
        command.running = rng.chance(0.8);
    } else if (choice < 80) {
        entry.type = EntryType::leader_noop;
        entry.data = std::to_string(1 + rng.uniform(8));
        return entry;
    } else if (choice < 92) {
        entry.type = EntryType::conf_change;
        auto type = static_cast<ConfChangeType>(rng.uniform(3));
        entry.data = raftescort::raft::encode_conf_change(
            ConfChange{type, NodeId{1 + rng.uniform(8)}, "addr"});
        return entry;
    } else {
        const char* garbage[] = {"", "step", "move 1", "mission 1 2 go", "x", "step 0 0 junk"};
        entry.type = static_cast<EntryType>(rng.uniform(3));
        entry.data = garbage[rng.uniform(6)];
        return entry;
    }
    entry.data = raftescort::escort::encode_command(command);
    return entry;
}

} // namespace

TEST_CASE("replicas and a snapshot-restored replica stay equal over random entries", "[escort]")
{
    // Goal: determinism under 10,000 seeded random entries, with a restore from a
    // snapshot taken halfway; also checks escort continuity on every entry.
    constexpr std::uint64_t k_entries = 10'000;
    Rng rng(20240501);
    Escort first(three_voters());
    Escort second(three_voters());
    std::optional<Escort> restored;
    std::uint64_t term = 1;
    std::uint64_t steps = 0;
    for (std::uint64_t index = 1; index <= k_entries; ++index) {
        if (rng.chance(0.01)) {
            ++term;
        }
        Entry entry = random_entry(rng, first, index, term);
        auto result = first.apply(entry);
        auto again = second.apply(entry);
        REQUIRE(result.kind == again.kind);
        if (restored) {
            REQUIRE(restored->apply(entry).kind == result.kind);
        }
        // Escort continuity: the lead point moves only by one step or a client move.
        Point delta{result.lead_after.x - result.lead_before.x,
                    result.lead_after.y - result.lead_before.y};
        if (result.kind == Kind::stepped) {
            ++steps;
            REQUIRE(std::abs(delta.x) + std::abs(delta.y) == 1);
        } else if (result.kind != Kind::moved) {
            REQUIRE(delta == Point{0, 0});
        }
        if (index == k_entries / 2) {
            auto loaded = Escort::deserialize(first.serialize());
            REQUIRE(loaded.ok());
            REQUIRE(loaded.value() == first);
            restored = loaded.value();
        }
    }
    REQUIRE(restored.has_value());
    CHECK(first == second);
    CHECK(first == *restored);
    CHECK(first.state_hash() == second.state_hash());
    CHECK(first.state_hash() == restored->state_hash());
    // The run exercised what it meant to: steps, a full client table, churn.
    CHECK(steps > 100);
    CHECK(first.clients().size() == raftescort::escort::k_clients_max);
    CHECK(first.last_applied_index() == Index{k_entries});
}
