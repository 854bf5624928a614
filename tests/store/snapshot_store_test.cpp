// Tests of the snapshot directory (src/store/snapshot_store.cpp) and the
// snapshot file format (src/store/snapshot_file.cpp).

#include "store/snapshot_file.hpp"
#include "store/snapshot_store.hpp"
#include "store_test_support.hpp"

#include <filesystem>

using namespace store_test;

TEST_CASE("snapshot file round-trips metadata and data", "[store]")
{
    // Goal: encode then decode is the identity; every truncation is rejected.
    raft::Snapshot original = snapshot(42, 7, std::string("app\0state", 9));
    std::string bytes = raftescort::store::encode_snapshot_file(original);
    auto decoded = raftescort::store::decode_snapshot_file(bytes);
    REQUIRE(decoded.ok());
    REQUIRE(decoded.value() == original);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        REQUIRE_FALSE(raftescort::store::decode_snapshot_file(bytes.substr(0, size)).ok());
    }
}

TEST_CASE("snapshot store: a corrupt snapshot file is fatal and named", "[store]")
{
    // Goal: a flipped byte anywhere in the latest snapshot stops open() with
    // the file's path; recovery never falls back to an older state silently.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 5), hard_state(1, 1, 5)));
        REQUIRE(storage->save_snapshot(snapshot(4, 1, "state@4")).ok());
    }
    std::string path = dir.join("snapshot/" + snapshot_names(dir.path()).front());
    std::string pristine = read_bytes(path);
    for (std::size_t position = 0; position < pristine.size(); ++position) {
        flip_byte(path, position);
        auto opened = raftescort::store::DiskStorage::open(options(dir.path()), identity());
        REQUIRE_FALSE(opened.ok());
        REQUIRE(opened.error().code == raftescort::util::ErrorCode::corrupt);
        REQUIRE(contains(opened.error().message, path));
        write_bytes(path, pristine);
    }
    open_ok(options(dir.path()));
}

TEST_CASE("snapshot store: leftover temporary files are deleted", "[store]")
{
    // Goal: a crash between write and rename leaves a .tmp that open() removes
    // and never loads.
    TempDir dir;
    open_ok(options(dir.path()));
    write_bytes(dir.join("snapshot/00000000000000000009-00000000000000000002.snap.tmp"), "torn");
    auto storage = open_ok(options(dir.path()));
    REQUIRE_FALSE(storage->recovered().snapshot.has_value());
    REQUIRE(snapshot_names(dir.path()).empty());
}

TEST_CASE("snapshot store: the latest snapshot wins and older ones go", "[store]")
{
    // Goal: with two snapshot files (a crash before deleting the older), the
    // higher index is loaded and the other deleted.
    TempDir dir;
    std::uint64_t fsyncs = 0;
    open_ok(options(dir.path()));
    std::string snapshot_directory = dir.join("snapshot");
    REQUIRE(
        raftescort::store::write_snapshot(snapshot_directory, snapshot(3, 1, "old"), fsyncs).ok());
    REQUIRE(
        raftescort::store::write_snapshot(snapshot_directory, snapshot(5, 2, "new"), fsyncs).ok());
    REQUIRE(fsyncs == 4);
    auto latest = raftescort::store::load_latest_snapshot(snapshot_directory);
    REQUIRE(latest.ok());
    REQUIRE(latest.value()->data == "new");
    REQUIRE(raftescort::store::remove_snapshots_except(
                snapshot_directory, raftescort::store::SnapshotName{raft::Index{5}, raft::Term{2}},
                fsyncs)
                .ok());
    REQUIRE(snapshot_names(dir.path()).size() == 1);
}
