// Tests of log replay and its reconciliation with the snapshot (src/store/wal_replay.cpp).

#include "store/wal_replay.hpp"
#include "store_test_support.hpp"

using namespace store_test;
using raftescort::store::LogReplay;
using raftescort::store::LogReset;

namespace {

raft::SnapshotMetadata metadata(std::uint64_t index, std::uint64_t term)
{
    return raft::SnapshotMetadata{raft::Index{index}, raft::Term{term}, {}};
}

void apply_all(LogReplay& replay, const std::vector<raft::Entry>& log_entries)
{
    for (const raft::Entry& log_entry : log_entries) {
        REQUIRE(replay.apply_entry(log_entry).ok());
    }
}

} // namespace

TEST_CASE("wal replay replaces from a lower index and refuses gaps", "[store]")
{
    // Goal: an entry at or below the last replaces the suffix; one past last+1 is corrupt.
    LogReplay replay;
    apply_all(replay, entries(1, 1, 5));
    REQUIRE(replay.apply_entry(entry(2, 3)).ok());
    REQUIRE(replay.entries().size() == 3);
    REQUIRE(replay.entries().back() == entry(2, 3));
    auto gap = replay.apply_entry(entry(2, 5));
    REQUIRE_FALSE(gap.ok());
    REQUIRE(contains(gap.error().message, "gap"));
}

TEST_CASE("wal replay drops entries the snapshot covers and raises commit", "[store]")
{
    // Goal: entries at or below the snapshot go; commit becomes at least its index.
    LogReplay replay;
    apply_all(replay, entries(1, 1, 8));
    replay.apply_hard_state(hard_state(1, 1, 2));
    REQUIRE(replay.finish(metadata(5, 1)).ok());
    REQUIRE(replay.entries() == entries(1, 6, 8));
    REQUIRE(replay.hard_state().commit == raft::Index{5});
    REQUIRE(replay.last_index() == raft::Index{8});
}

TEST_CASE("wal replay drops an old log that disagrees with the snapshot", "[store]")
{
    // Goal: a snapshot install that crashed before its log reset was synced
    // leaves the old log; entries after a term mismatch at the snapshot index
    // cannot match the leader's, so none survive.
    LogReplay replay;
    apply_all(replay, entries(1, 1, 9));
    replay.apply_hard_state(hard_state(1, 1, 3));
    REQUIRE(replay.finish(metadata(6, 2)).ok());
    REQUIRE(replay.entries().empty());
    REQUIRE(replay.hard_state().commit == raft::Index{6});
}

TEST_CASE("wal replay applies a log reset", "[store]")
{
    // Goal: a log reset forgets earlier entries; the next entry must follow it.
    LogReplay replay;
    apply_all(replay, entries(1, 1, 9));
    replay.apply_log_reset(LogReset{raft::Index{20}, raft::Term{3}});
    REQUIRE(replay.entries().empty());
    REQUIRE_FALSE(replay.apply_entry(entry(3, 22)).ok());
    REQUIRE(replay.apply_entry(entry(3, 21)).ok());
    REQUIRE(replay.finish(metadata(20, 3)).ok());
    REQUIRE(replay.entries() == entries(3, 21, 21));

    LogReplay missing_snapshot;
    missing_snapshot.apply_log_reset(LogReset{raft::Index{20}, raft::Term{3}});
    auto refused = missing_snapshot.finish(std::nullopt);
    REQUIRE_FALSE(refused.ok());
    REQUIRE(contains(refused.error().message, "snapshot file is missing"));
}

TEST_CASE("wal replay refuses a commit beyond the recovered log", "[store]")
{
    // Goal: a durable commit index past the last entry means synced entries
    // were lost: a durability violation, never silently lowered.
    LogReplay replay;
    apply_all(replay, entries(1, 1, 3));
    replay.apply_hard_state(hard_state(1, 1, 5));
    auto refused = replay.finish(std::nullopt);
    REQUIRE_FALSE(refused.ok());
    REQUIRE(contains(refused.error().message, "durability violation"));
}

TEST_CASE("wal replay refuses a log that does not continue the snapshot", "[store]")
{
    // Goal: entries starting after snapshot index + 1 (or after 1 with no
    // snapshot) mean missing entries.
    LogReplay after_snapshot;
    apply_all(after_snapshot, entries(1, 8, 9));
    REQUIRE_FALSE(after_snapshot.finish(metadata(5, 1)).ok());
    LogReplay without_snapshot;
    apply_all(without_snapshot, entries(1, 2, 3));
    auto refused = without_snapshot.finish(std::nullopt);
    REQUIRE_FALSE(refused.ok());
    REQUIRE(contains(refused.error().message, "no snapshot"));
}
