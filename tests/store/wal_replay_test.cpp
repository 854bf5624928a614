// Tests of log replay and its reconciliation with the snapshot (src/store/wal_replay.cpp).

#include "store/wal_replay.hpp"
#include "store_test_support.hpp"

#include <raftescort/util/rng.hpp>

#include <algorithm>

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
    LogReplay replay{metadata(5, 1)};
    apply_all(replay, entries(1, 1, 8));
    replay.apply_hard_state(hard_state(1, 1, 2));
    REQUIRE(replay.finish().ok());
    REQUIRE(replay.entries() == entries(1, 6, 8));
    REQUIRE(replay.hard_state().commit == raft::Index{5});
    REQUIRE(replay.last_index() == raft::Index{8});
}

TEST_CASE("wal replay drops an old log that disagrees with the snapshot", "[store]")
{
    // Goal: a snapshot install that crashed before its log reset was synced
    // leaves the old log; entries after a term mismatch at the snapshot index
    // cannot match the leader's, so none survive.
    LogReplay replay{metadata(6, 2)};
    apply_all(replay, entries(1, 1, 9));
    replay.apply_hard_state(hard_state(1, 1, 3));
    REQUIRE(replay.finish().ok());
    REQUIRE(replay.entries().empty());
    REQUIRE(replay.hard_state().commit == raft::Index{6});
}

TEST_CASE("wal replay applies a log reset", "[store]")
{
    // Goal: a log reset forgets earlier entries; the next entry must follow it.
    LogReplay replay{metadata(20, 3)};
    apply_all(replay, entries(1, 1, 9));
    replay.apply_log_reset(LogReset{raft::Index{20}, raft::Term{3}});
    REQUIRE(replay.entries().empty());
    REQUIRE_FALSE(replay.apply_entry(entry(3, 22)).ok());
    REQUIRE(replay.apply_entry(entry(3, 21)).ok());
    REQUIRE(replay.finish().ok());
    REQUIRE(replay.entries() == entries(3, 21, 21));

    LogReplay missing_snapshot;
    missing_snapshot.apply_log_reset(LogReset{raft::Index{20}, raft::Term{3}});
    auto refused = missing_snapshot.finish();
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
    auto refused = replay.finish();
    REQUIRE_FALSE(refused.ok());
    REQUIRE(contains(refused.error().message, "durability violation"));
}

TEST_CASE("wal replay refuses a log that does not continue the snapshot", "[store]")
{
    // Goal: entries starting after snapshot index + 1 (or after 1 with no
    // snapshot) mean missing entries.
    LogReplay after_snapshot{metadata(5, 1)};
    apply_all(after_snapshot, entries(1, 8, 9));
    REQUIRE_FALSE(after_snapshot.finish().ok());
    LogReplay without_snapshot;
    apply_all(without_snapshot, entries(1, 2, 3));
    auto refused = without_snapshot.finish();
    REQUIRE_FALSE(refused.ok());
    REQUIRE(contains(refused.error().message, "no snapshot"));
}

namespace {

/// The replay rules stated plainly: every entry kept until the end, then the
/// snapshot's prefix cut off. LogReplay must agree with it while keeping
/// only what follows the snapshot.
struct ReplayModel {
    std::vector<raft::Entry> log;
    std::optional<LogReset> reset;
    std::uint64_t commit = 0;

    bool apply_entry(const raft::Entry& next)
    {
        if (reset.has_value() && next.index <= reset->index) {
            return false;
        }
        if (log.empty()) {
            if (reset.has_value() && next.index.value != reset->index.value + 1) {
                return false;
            }
            log.push_back(next);
            return true;
        }
        if (next.index.value > log.back().index.value + 1) {
            return false;
        }
        while (!log.empty() && log.back().index >= next.index) {
            log.pop_back();
        }
        log.push_back(next);
        return true;
    }

    bool finish(const std::optional<raft::SnapshotMetadata>& snapshot)
    {
        std::uint64_t snapshot_index = snapshot.has_value() ? snapshot->index.value : 0;
        std::uint64_t snapshot_term = snapshot.has_value() ? snapshot->term.value : 0;
        if (reset.has_value()
            && (reset->index.value > snapshot_index
                || (reset->index.value == snapshot_index && reset->term.value != snapshot_term))) {
            return false;
        }
        bool agrees = true;
        for (const raft::Entry& kept : log) {
            if (kept.index.value == snapshot_index) {
                agrees = kept.term.value == snapshot_term;
            }
        }
        std::erase_if(log, [&](const raft::Entry& kept) {
            return !agrees || kept.index.value <= snapshot_index;
        });
        if (!log.empty() && log.front().index.value != snapshot_index + 1) {
            return false;
        }
        std::uint64_t last = log.empty() ? snapshot_index : log.back().index.value;
        if (commit > last) {
            return false;
        }
        commit = std::max(commit, snapshot_index);
        return true;
    }
};

} // namespace

TEST_CASE("wal replay keeps only what the snapshot does not cover, as if it kept all", "[store]")
{
    // Goal: dropping covered entries while replaying (to bound memory) gives
    // the same log, commit and verdicts as keeping them all and cutting at the
    // end, for overwrites, resets and gaps around the snapshot's index.
    raftescort::util::Rng rng(20261126);
    int finished_with_entries = 0;
    int disagreements_dropped = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        std::optional<raft::SnapshotMetadata> snapshot;
        if (rng.between(0, 3) != 0) {
            snapshot = metadata(rng.between(1, 10), rng.between(1, 3));
        }
        LogReplay replay{snapshot};
        ReplayModel model;
        int operations = static_cast<int>(rng.between(1, 25));
        for (int step = 0; step < operations; ++step) {
            std::uint64_t choice = rng.between(0, 19);
            if (choice == 0) {
                LogReset reset{raft::Index{rng.between(1, 11)}, raft::Term{rng.between(1, 3)}};
                replay.apply_log_reset(reset);
                model.log.clear();
                model.reset = reset;
            } else if (choice == 1) {
                raft::HardState state = hard_state(3, 1, rng.between(0, 14));
                replay.apply_hard_state(state);
                model.commit = state.commit.value;
            } else {
                // Mostly the next index, sometimes an overwrite or a gap.
                std::uint64_t last = !model.log.empty() ? model.log.back().index.value
                                     : model.reset.has_value() ? model.reset->index.value
                                                               : 0;
                std::uint64_t index = rng.between(0, 3) == 0 ? rng.between(1, 14) : last + 1;
                raft::Entry next = entry(rng.between(1, 3), index);
                bool model_ok = model.apply_entry(next);
                REQUIRE(replay.apply_entry(next).ok() == model_ok);
            }
        }
        bool model_finished = model.finish(snapshot);
        REQUIRE(replay.finish().ok() == model_finished);
        if (model_finished) {
            REQUIRE(replay.entries() == model.log);
            REQUIRE(replay.hard_state().commit.value == model.commit);
            std::uint64_t model_last = model.log.empty() ? (snapshot ? snapshot->index.value : 0)
                                                         : model.log.back().index.value;
            REQUIRE(replay.last_index().value == model_last);
            finished_with_entries += model.log.empty() ? 0 : 1;
        }
        disagreements_dropped += model_finished && snapshot && model.log.empty() ? 1 : 0;
    }
    // The trials reached both outcomes, not only refusals.
    REQUIRE(finished_with_entries > 1000);
    REQUIRE(disagreements_dropped > 100);
}
