// Tests of DiskStorage's write path and round trips through open()
// (src/store/disk_storage.cpp, src/store/disk_storage_open.cpp).

#include "store/disk_storage_inspector.hpp"
#include "store/snapshot_store.hpp"
#include "store_test_support.hpp"

#include <fcntl.h>
#include <unistd.h>

using namespace store_test;
using raftescort::store::DiskStorage;
using raftescort::store::DiskStorageInspector;

TEST_CASE("disk storage round-trips entries and hard state", "[store]")
{
    // Goal: what save() made durable is what open() recovers.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        REQUIRE(storage->recovered().entries.empty());
        REQUIRE(storage->recovered().hard_state == raft::HardState{});
        save_ok(*storage, ready(entries(1, 1, 3), hard_state(1, 2, 1)));
        save_ok(*storage, ready({entry(1, 4, std::string(1000, 'x'))}, hard_state(1, 2, 3)));
    }
    auto storage = open_ok(options(dir.path()));
    const raft::PersistedState& state = storage->recovered();
    std::vector<raft::Entry> expected = entries(1, 1, 3);
    expected.push_back(entry(1, 4, std::string(1000, 'x')));
    REQUIRE(state.entries == expected);
    REQUIRE(state.hard_state == hard_state(1, 2, 3));
    REQUIRE_FALSE(state.snapshot.has_value());
    REQUIRE(state.applied == raft::Index{0});
    REQUIRE(state.initial_conf.voters.empty());
    REQUIRE_FALSE(storage->report().truncated_tail.has_value());
    REQUIRE(storage->report().records_read > 0);
}

TEST_CASE("disk storage replays a truncation by a lower index", "[store]")
{
    // Goal: an entry at an index already stored replaces it and everything after it.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 5), hard_state(1, 1, 2)));
        save_ok(*storage, ready(entries(2, 3, 4), hard_state(2, 2, 2)));
    }
    auto storage = open_ok(options(dir.path()));
    std::vector<raft::Entry> expected = entries(1, 1, 2);
    for (const raft::Entry& replaced : entries(2, 3, 4)) {
        expected.push_back(replaced);
    }
    REQUIRE(storage->recovered().entries == expected);
    REQUIRE(storage->recovered().hard_state == hard_state(2, 2, 2));
}

TEST_CASE("disk storage does no I/O for a Ready with nothing durable", "[store]")
{
    // Goal: messages and committed entries alone cost no write and no fsync.
    TempDir dir;
    auto storage = open_ok(options(dir.path()));
    std::uint64_t fsyncs = storage->fsync_count();
    std::uint64_t bytes = storage->wal_bytes();
    raft::Ready nothing_durable;
    nothing_durable.committed_entries = entries(1, 1, 1);
    nothing_durable.soft_state = raft::SoftState{};
    save_ok(*storage, nothing_durable);
    REQUIRE(storage->fsync_count() == fsyncs);
    REQUIRE(storage->wal_bytes() == bytes);
}

TEST_CASE("disk storage group-commits a batch with one fsync", "[store]")
{
    // Goal: a save costs exactly one fsync however many entries it holds.
    TempDir dir;
    auto storage = open_ok(options(dir.path()));
    for (std::uint64_t batch = 0; batch < 5; ++batch) {
        std::uint64_t first = batch * 100 + 1;
        std::uint64_t before = storage->fsync_count();
        save_ok(*storage, ready(entries(1, first, first + 99), hard_state(1, 1, first)));
        REQUIRE(storage->fsync_count() == before + 1);
    }
    std::uint64_t before = storage->fsync_count();
    save_ok(*storage, ready({}, hard_state(2, 0, 500)));
    REQUIRE(storage->fsync_count() == before + 1);
}

TEST_CASE("disk storage writes a commit-only save without an fsync", "[store]")
{
    // Goal: when only the commit index moves the record is written but not
    // fsynced (commitIndex is volatile in Raft, Figure 2); a term or vote
    // change, or entries, always sync, and a synced save makes the earlier
    // unsynced record durable with it.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 5), hard_state(1, 1, 2)));
        const std::uint64_t before = storage->fsync_count();
        const std::uint64_t bytes = storage->wal_bytes();
        save_ok(*storage, ready({}, hard_state(1, 1, 4)));
        REQUIRE(storage->fsync_count() == before);
        REQUIRE(storage->wal_bytes() > bytes);
        save_ok(*storage, ready({}, hard_state(2, 3, 4)));
        REQUIRE(storage->fsync_count() == before + 1);
        save_ok(*storage, ready({}, hard_state(2, 3, 5)));
        REQUIRE(storage->fsync_count() == before + 1);
        save_ok(*storage, ready(entries(2, 6, 6), hard_state(2, 3, 5)));
        REQUIRE(storage->fsync_count() == before + 2);
    }
    auto storage = open_ok(options(dir.path()));
    REQUIRE(storage->recovered().hard_state == hard_state(2, 3, 5));
    REQUIRE(storage->recovered().entries.size() == 6);
}

TEST_CASE("disk storage rolls segments over and recovers across them", "[store]")
{
    // Goal: with tiny segments, every save starts a new segment (with the hard
    // state at its head, plus a directory fsync) and recovery reads them all.
    TempDir dir;
    std::vector<raft::Entry> expected;
    {
        auto storage = open_ok(options(dir.path(), 1));
        for (std::uint64_t index = 1; index <= 10; ++index) {
            std::uint64_t before = storage->fsync_count();
            save_ok(*storage, ready({entry(1, index)}, hard_state(1, 1, index - 1)));
            // One fsync for the segment, one for its directory entry.
            REQUIRE(storage->fsync_count() == before + 2);
            expected.push_back(entry(1, index));
        }
        REQUIRE(DiskStorageInspector::segment_count(*storage) == 11);
    }
    auto storage = open_ok(options(dir.path(), 1));
    REQUIRE(storage->recovered().entries == expected);
    REQUIRE(storage->recovered().hard_state == hard_state(1, 1, 9));
    REQUIRE(storage->report().segments_read == 11);
}

TEST_CASE("disk storage recovers a snapshot plus the log tail after it", "[store]")
{
    // Goal: compaction stores the snapshot; recovery drops the entries it
    // covers, keeps the tail, and reports applied = snapshot index.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 10), hard_state(1, 1, 8)));
        REQUIRE(storage->save_snapshot(snapshot(6, 1, "state@6")).ok());
    }
    auto storage = open_ok(options(dir.path()));
    const raft::PersistedState& state = storage->recovered();
    REQUIRE(state.snapshot.has_value());
    REQUIRE(*state.snapshot == snapshot(6, 1, "state@6"));
    REQUIRE(state.entries == entries(1, 7, 10));
    REQUIRE(state.applied == raft::Index{6});
    REQUIRE(state.hard_state == hard_state(1, 1, 8));
    REQUIRE(storage->report().snapshot_loaded);
    REQUIRE(snapshot_names(dir.path())
            == std::vector<std::string>{"00000000000000000006-00000000000000000001.snap"});
}

TEST_CASE("disk storage compaction deletes only segments the snapshot covers", "[store]")
{
    // Goal: save_snapshot deletes the prefix of segments whose entries are all
    // at or below its index, keeps the rest and the current one, and drops
    // the older snapshot file.
    TempDir dir;
    auto storage = open_ok(options(dir.path(), 1));
    for (std::uint64_t index = 1; index <= 6; ++index) {
        save_ok(*storage, ready({entry(1, index)}, hard_state(1, 1, index)));
    }
    // Segments: the one from open (no entries), then one per entry 1..6.
    REQUIRE(segment_paths(dir.path()).size() == 7);
    REQUIRE(storage->save_snapshot(snapshot(2, 1, "s2")).ok());
    REQUIRE(segment_paths(dir.path()).size() == 4);
    REQUIRE(storage->save_snapshot(snapshot(4, 1, "s4")).ok());
    REQUIRE(segment_paths(dir.path()).size() == 2);
    REQUIRE(snapshot_names(dir.path()).size() == 1);
    // The current segment survives even when the snapshot covers all of it.
    REQUIRE(storage->save_snapshot(snapshot(6, 1, "s6")).ok());
    REQUIRE(segment_paths(dir.path()).size() == 1);
    REQUIRE(segment_paths(dir.path()).front()
            == DiskStorageInspector::current_segment_path(*storage));
    save_ok(*storage, ready({entry(1, 7)}, hard_state(1, 1, 7)));
    storage.reset();

    auto reopened = open_ok(options(dir.path(), 1));
    REQUIRE(reopened->recovered().snapshot->data == "s6");
    REQUIRE(reopened->recovered().entries == entries(1, 7, 7));
    REQUIRE(reopened->recovered().hard_state == hard_state(1, 1, 7));
}

TEST_CASE("disk storage: a leader snapshot replaces the whole log", "[store]")
{
    // Goal: after installing a leader's snapshot, recovery returns the snapshot
    // and only what was saved after it, never the divergent old entries.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 8), hard_state(1, 1, 2)));
        raft::Ready install;
        install.snapshot = snapshot(20, 3, "leader@20");
        install.entries = entries(3, 21, 22);
        install.hard_state = hard_state(3, 0, 20);
        save_ok(*storage, install);
        // Only the new segment remains.
        REQUIRE(segment_paths(dir.path()).size() == 1);
        save_ok(*storage, ready(entries(3, 23, 23), hard_state(3, 0, 22)));
    }
    auto storage = open_ok(options(dir.path()));
    const raft::PersistedState& state = storage->recovered();
    REQUIRE(state.snapshot->data == "leader@20");
    REQUIRE(state.entries == entries(3, 21, 23));
    REQUIRE(state.hard_state == hard_state(3, 0, 22));
    REQUIRE(state.applied == raft::Index{20});
}

TEST_CASE("disk storage: a leader snapshot below the old log's end discards it", "[store]")
{
    // Goal: entries after the snapshot index from the old log do not come back
    // (they may conflict with the leader's log).
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 10), hard_state(1, 1, 2)));
        raft::Ready install;
        install.snapshot = snapshot(5, 2, "leader@5");
        install.hard_state = hard_state(2, 0, 5);
        save_ok(*storage, install);
    }
    auto storage = open_ok(options(dir.path()));
    REQUIRE(storage->recovered().entries.empty());
    REQUIRE(storage->recovered().hard_state == hard_state(2, 0, 5));
    REQUIRE(storage->recovered().snapshot->metadata.index == raft::Index{5});
}

TEST_CASE("disk storage refuses saves after a write fails with ENOSPC", "[store]")
{
    // Goal: a full disk (the next segment is /dev/full) makes save fail with
    // the errno text and file; later saves are refused; recovery returns
    // exactly what was saved before.
    TempDir dir;
    std::string full_path;
    {
        auto storage = open_ok(options(dir.path(), 1));
        save_ok(*storage, ready(entries(1, 1, 2), hard_state(1, 1, 1)));
        full_path = DiskStorageInspector::next_segment_path(*storage);
        REQUIRE(::symlink("/dev/full", full_path.c_str()) == 0);
        raftescort::util::Status failed =
            storage->save(ready(entries(1, 3, 4), hard_state(1, 1, 3)));
        REQUIRE_FALSE(failed.ok());
        INFO(failed.error().message);
        REQUIRE(failed.error().code == raftescort::util::ErrorCode::io_error);
        REQUIRE(contains(failed.error().message, "No space left on device"));
        REQUIRE(contains(failed.error().message, full_path));
        raftescort::util::Status refused = storage->save(ready({}, hard_state(1, 1, 2)));
        REQUIRE_FALSE(refused.ok());
        REQUIRE(contains(refused.error().message, "refuses"));
        REQUIRE_FALSE(storage->save_snapshot(snapshot(1, 1, "s")).ok());
    }
    REQUIRE(::unlink(full_path.c_str()) == 0);
    auto storage = open_ok(options(dir.path(), 1));
    REQUIRE(storage->recovered().entries == entries(1, 1, 2));
    REQUIRE(storage->recovered().hard_state == hard_state(1, 1, 1));
}

TEST_CASE("disk storage fails a save whose append hits ENOSPC", "[store]")
{
    // Goal: the same on the ordinary append path: the current segment's
    // descriptor is swapped for /dev/full, the save fails, nothing of it is
    // recovered.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 3), hard_state(1, 1, 2)));
        int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
        REQUIRE(full >= 0);
        REQUIRE(::dup2(full, DiskStorageInspector::current_segment_fd(*storage)) >= 0);
        ::close(full);
        raftescort::util::Status failed =
            storage->save(ready(entries(1, 4, 4), hard_state(1, 1, 3)));
        REQUIRE_FALSE(failed.ok());
        REQUIRE(contains(failed.error().message, "No space left on device"));
        REQUIRE(
            contains(failed.error().message, DiskStorageInspector::current_segment_path(*storage)));
        REQUIRE_FALSE(storage->save(ready({}, hard_state(1, 1, 3))).ok());
    }
    auto storage = open_ok(options(dir.path()));
    REQUIRE(storage->recovered().entries == entries(1, 1, 3));
    REQUIRE(storage->recovered().hard_state == hard_state(1, 1, 2));
}

TEST_CASE("disk storage rejects an entry too large for a record", "[store]")
{
    // Goal: an oversized entry is refused before any byte is written.
    TempDir dir;
    auto storage = open_ok(options(dir.path()));
    std::uint64_t bytes = storage->wal_bytes();
    raftescort::util::Status refused =
        storage->save(ready({entry(1, 1, std::string(64U * 1024 * 1024, 'x'))}));
    REQUIRE_FALSE(refused.ok());
    REQUIRE(refused.error().code == raftescort::util::ErrorCode::invalid_argument);
    REQUIRE(storage->wal_bytes() == bytes);
}

TEST_CASE("disk storage keeps an old log only where it agrees with the snapshot", "[store]")
{
    // Goal: a snapshot file durable before its install finished (old segments
    // intact, no log reset) keeps the old entries after it only when the old
    // log has the snapshot's term at its index (log matching, Raft §5.3).
    for (std::uint64_t snapshot_term : {1, 2}) {
        TempDir dir;
        {
            auto storage = open_ok(options(dir.path()));
            save_ok(*storage, ready(entries(1, 1, 10), hard_state(1, 1, 3)));
        }
        std::uint64_t fsyncs = 0;
        REQUIRE(raftescort::store::write_snapshot(dir.join("snapshot"),
                                                  snapshot(5, snapshot_term, "s"), fsyncs)
                    .ok());
        auto storage = open_ok(options(dir.path()));
        REQUIRE(storage->recovered().entries
                == (snapshot_term == 1 ? entries(1, 6, 10) : std::vector<raft::Entry>{}));
        REQUIRE(storage->recovered().hard_state == hard_state(1, 1, 5));
        REQUIRE(storage->recovered().applied == raft::Index{5});
    }
}

TEST_CASE("disk storage grows the open segment ahead of its writes", "[store]")
{
    // Goal: while a segment is open its file is preallocated (zeros after
    // the records), so appends do not change its size; a rollover and a
    // clean close cut the zeros off; with preallocate_bytes 0 the file
    // always ends at its last record.
    TempDir dir;
    std::vector<std::string> sealed;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 3), hard_state(1, 1, 0)));
        std::string current = DiskStorageInspector::current_segment_path(*storage);
        std::uint64_t written = DiskStorageInspector::current_segment_bytes(*storage);
        std::uint64_t allocated = std::filesystem::file_size(current);
        REQUIRE(allocated >= written + options(dir.path()).preallocate_bytes / 2);
        REQUIRE(read_bytes(current).find_first_not_of('\0', written) == std::string::npos);
        save_ok(*storage, ready(entries(1, 4, 6), hard_state(1, 1, 3)));
        REQUIRE(DiskStorageInspector::current_segment_bytes(*storage) > written);
        REQUIRE(std::filesystem::file_size(current) == allocated);
    }
    REQUIRE(std::filesystem::file_size(segment_paths(dir.path()).back())
            < options(dir.path()).preallocate_bytes);

    TempDir rolled;
    {
        auto storage = open_ok(options(rolled.path(), 1));
        for (std::uint64_t index = 1; index <= 3; ++index) {
            save_ok(*storage, ready({entry(1, index)}, hard_state(1, 1, index - 1)));
        }
        std::vector<std::string> segments = segment_paths(rolled.path());
        REQUIRE(segments.size() == 4);
        // Left behind by rollovers: records only.
        for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
            INFO(segments[i]);
            REQUIRE(std::filesystem::file_size(segments[i]) < 4096);
        }
    }

    TempDir unallocated;
    raftescort::store::StorageOptions exact = options(unallocated.path());
    exact.preallocate_bytes = 0;
    auto storage = open_ok(exact);
    save_ok(*storage, ready(entries(1, 1, 3), hard_state(1, 1, 0)));
    REQUIRE(std::filesystem::file_size(DiskStorageInspector::current_segment_path(*storage))
            == DiskStorageInspector::current_segment_bytes(*storage));
}

TEST_CASE("disk storage trims preallocated zeros left in any segment by a crash", "[store]")
{
    // Goal: a crash keeps the zeros after the records (in the last segment,
    // or in an earlier one when it came between a rollover and its cut);
    // recovery reads them as the end of that segment, not as damage, keeps
    // every entry and cuts the files back to their records.
    TempDir dir;
    std::vector<raft::Entry> expected;
    {
        auto storage = open_ok(options(dir.path(), 1));
        for (std::uint64_t index = 1; index <= 3; ++index) {
            save_ok(*storage, ready({entry(1, index)}, hard_state(1, 1, index)));
            expected.push_back(entry(1, index));
        }
    }
    std::vector<std::string> segments = segment_paths(dir.path());
    REQUIRE(segments.size() == 4);
    std::vector<std::uint64_t> sizes;
    for (const std::string& segment : segments) {
        sizes.push_back(std::filesystem::file_size(segment));
        std::filesystem::resize_file(segment, sizes.back() + 8192);
    }
    auto storage = open_ok(options(dir.path(), 1));
    REQUIRE(storage->recovered().entries == expected);
    REQUIRE(storage->recovered().hard_state == hard_state(1, 1, 3));
    REQUIRE_FALSE(storage->report().truncated_tail.has_value());
    for (std::size_t i = 0; i < segments.size(); ++i) {
        INFO(segments[i]);
        REQUIRE(std::filesystem::file_size(segments[i]) == sizes[i]);
    }
}
