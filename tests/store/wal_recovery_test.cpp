// Tests of WAL recovery (src/store/wal_recovery.cpp): torn tails at every
// byte, and corruption that must stop the node instead of being skipped.

#include "store/disk_storage_inspector.hpp"
#include "store_test_support.hpp"

#include <filesystem>
#include <iostream>
#include <variant>

using namespace store_test;
using raftescort::store::DiskStorageInspector;

namespace {

// Record sizes from the format in the issue: a 9-byte frame (u32 length,
// u8 type, u32 CRC32C) plus a fixed-width payload. Computed here on purpose,
// independently of the code under test.
constexpr std::uint64_t k_frame_bytes = 9;
constexpr std::uint64_t k_header_record_bytes = k_frame_bytes + 8 + 4 + 8;
constexpr std::uint64_t k_hard_state_record_bytes = k_frame_bytes + 24;
/// Zeros a crash leaves after the last write when the writer preallocated.
constexpr std::uint64_t k_preallocated_zeros = 4096;

std::uint64_t entry_record_bytes(const raft::Entry& log_entry)
{
    return k_frame_bytes + 17 + log_entry.data.size();
}

/// One record as the test expects it on disk: what it does and its size.
struct ModelRecord {
    std::variant<std::monostate, raft::Entry, raft::HardState> effect;
    std::uint64_t bytes = 0;
};

struct ModelState {
    std::vector<raft::Entry> entries;
    raft::HardState hard_state;
};

ModelState replay_model(const std::vector<ModelRecord>& records, std::size_t count)
{
    ModelState state;
    for (std::size_t i = 0; i < count; ++i) {
        if (const auto* log_entry = std::get_if<raft::Entry>(&records[i].effect)) {
            // Replace from here: drop the entry at this index and all after it.
            while (!state.entries.empty() && state.entries.back().index >= log_entry->index) {
                state.entries.pop_back();
            }
            state.entries.push_back(*log_entry);
        } else if (const auto* stored = std::get_if<raft::HardState>(&records[i].effect)) {
            state.hard_state = *stored;
        }
    }
    return state;
}

void add_save(std::vector<ModelRecord>& records, const raft::Ready& batch)
{
    for (const raft::Entry& log_entry : batch.entries) {
        records.push_back(ModelRecord{log_entry, entry_record_bytes(log_entry)});
    }
    if (batch.hard_state.has_value()) {
        records.push_back(ModelRecord{*batch.hard_state, k_hard_state_record_bytes});
    }
}

std::vector<raft::Ready> crash_test_saves()
{
    std::vector<raft::Ready> saves;
    saves.push_back(ready(entries(1, 1, 3), hard_state(1, 1, 0)));
    saves.push_back(ready(entries(1, 4, 5), hard_state(1, 1, 2)));
    saves.push_back(ready({}, hard_state(2, 2, 3)));
    // The new leader overwrites 4 and 5 (truncation by a lower index).
    saves.push_back(ready(entries(2, 4, 6), hard_state(2, 2, 3)));
    saves.push_back(ready(entries(2, 7, 8), hard_state(2, 2, 5)));
    saves.push_back(ready({entry(2, 9, std::string(40, 'z'))}));
    return saves;
}

} // namespace

TEST_CASE("wal recovery after a crash at every byte recovers exactly the synced prefix", "[store]")
{
    // Goal: cutting the last segment at any byte (a crash mid-write) recovers
    // exactly the records wholly before the cut, which include every save
    // completed before it; a cut inside a record is reported as a truncated
    // tail at that record's start. The same when the preallocated zeros
    // follow the cut, except that zeros alone are not damage. Method: write
    // six saves, compute each record's extent from the format, then cut a
    // copy at every offset, with and without zeros after the cut.
    TempDir dir;
    std::vector<ModelRecord> records;
    // open() starts the segment with a header and the (empty) hard state.
    records.push_back(ModelRecord{std::monostate{}, k_header_record_bytes});
    records.push_back(ModelRecord{raft::HardState{}, k_hard_state_record_bytes});
    std::vector<std::uint64_t> save_ends;
    std::string segment_path;
    {
        auto storage = open_ok(options(dir.path()));
        segment_path = DiskStorageInspector::current_segment_path(*storage);
        std::uint64_t expected_bytes = k_header_record_bytes + k_hard_state_record_bytes;
        REQUIRE(DiskStorageInspector::current_segment_bytes(*storage) == expected_bytes);
        for (const raft::Ready& batch : crash_test_saves()) {
            save_ok(*storage, batch);
            add_save(records, batch);
            expected_bytes = 0;
            for (const ModelRecord& record : records) {
                expected_bytes += record.bytes;
            }
            REQUIRE(DiskStorageInspector::current_segment_bytes(*storage) == expected_bytes);
            // While open, the records are followed by preallocated zeros.
            std::string on_disk = read_bytes(segment_path);
            REQUIRE(on_disk.size() > expected_bytes);
            REQUIRE(on_disk.find_first_not_of('\0', expected_bytes) == std::string::npos);
            save_ends.push_back(expected_bytes);
        }
    }
    // After a clean close, the bytes on disk are exactly the records the
    // format describes.
    REQUIRE(std::filesystem::file_size(segment_path) == save_ends.back());
    std::string segment_name = std::filesystem::path(segment_path).filename().string();
    std::uint64_t file_bytes = save_ends.back();
    const std::string written = read_bytes(segment_path);
    std::uint64_t offsets_checked = 0;
    for (std::uint64_t cut = 0; cut <= file_bytes; ++cut) {
        INFO("cut at byte " << cut);
        // Without preallocation the file ends at the cut; with it, the
        // writer's zeros follow the cut up to the preallocated size.
        for (std::uint64_t zeros_after : {std::uint64_t{0}, k_preallocated_zeros}) {
            INFO("zeros after the cut: " << zeros_after);
            // Records whole in the cut file, and where the last of them ends.
            // With zeros after the cut, a record whose lost bytes were zeros
            // anyway (the sequence's high bytes in the header) is whole again.
            const std::uint64_t first_lost_nonzero =
                std::min<std::uint64_t>(written.find_first_not_of('\0', cut), file_bytes);
            std::size_t whole_records = 0;
            std::uint64_t boundary = 0;
            while (whole_records < records.size()) {
                std::uint64_t end = boundary + records[whole_records].bytes;
                bool kept = end <= cut || (zeros_after > 0 && end <= first_lost_nonzero);
                if (!kept) {
                    break;
                }
                boundary = end;
                whole_records += 1;
            }
            ModelState expected = replay_model(records, whole_records);
            TempDir scratch;
            std::string copy = scratch.join("data");
            copy_tree(dir.path(), copy);
            std::string copied_segment = copy + "/wal/" + segment_name;
            std::filesystem::resize_file(copied_segment, cut);
            std::filesystem::resize_file(copied_segment, cut + zeros_after);
            // Zeros after the last whole record are unwritten space, not damage.
            bool damaged = read_bytes(copied_segment).find_first_not_of('\0', boundary)
                           != std::string::npos;

            auto storage = open_ok(options(copy));
            REQUIRE(storage->recovered().entries == expected.entries);
            REQUIRE(storage->recovered().hard_state == expected.hard_state);
            // Every save completed at or before the cut is fully recovered.
            for (std::size_t save = 0; save < save_ends.size() && save_ends[save] <= cut;
                 ++save) {
                REQUIRE(boundary >= save_ends[save]);
            }
            const auto& tail = storage->report().truncated_tail;
            REQUIRE(damaged == (boundary < cut));
            if (!damaged) {
                REQUIRE_FALSE(tail.has_value());
            } else {
                REQUIRE(tail.has_value());
                REQUIRE(tail->offset == boundary);
                REQUIRE(tail->bytes == cut + zeros_after - boundary);
                REQUIRE(contains(tail->file, segment_name));
            }
            // The segment was cut back to its whole records (deleted when
            // none is whole), durably: a second recovery sees the same log,
            // clean.
            if (boundary == 0) {
                REQUIRE_FALSE(std::filesystem::exists(copied_segment));
            } else {
                REQUIRE(std::filesystem::file_size(copied_segment) == boundary);
            }
            storage.reset();
            auto again = open_ok(options(copy));
            REQUIRE(again->recovered().entries == expected.entries);
            REQUIRE(again->recovered().hard_state == expected.hard_state);
            REQUIRE_FALSE(again->report().truncated_tail.has_value());
            offsets_checked += 1;
        }
    }
    REQUIRE(offsets_checked == 2 * (file_bytes + 1));
    // The lead tracks this count.
    std::cout << "wal crash-at-every-byte: checked " << offsets_checked << " cut offsets over "
              << save_ends.size() << " saves (" << records.size() << " records)\n";
    WARN("wal crash-at-every-byte: checked " << offsets_checked << " cut offsets");
}

namespace {

/// A single-segment log with three saves; returns the offsets where each
/// save's records start.
std::vector<std::uint64_t> write_three_saves(const std::string& directory, std::string& segment)
{
    auto storage = open_ok(options(directory));
    segment = DiskStorageInspector::current_segment_path(*storage);
    std::vector<std::uint64_t> starts;
    starts.push_back(DiskStorageInspector::current_segment_bytes(*storage));
    save_ok(*storage, ready(entries(1, 1, 2), hard_state(1, 1, 1)));
    starts.push_back(DiskStorageInspector::current_segment_bytes(*storage));
    save_ok(*storage, ready(entries(1, 3, 4), hard_state(1, 1, 3)));
    starts.push_back(DiskStorageInspector::current_segment_bytes(*storage));
    save_ok(*storage, ready({entry(1, 5, "last entry")}));
    return starts;
}

} // namespace

TEST_CASE("wal recovery truncates a flipped byte in the last record", "[store]")
{
    // Goal: damage confined to the last record is a torn tail: cut and reported.
    for (std::uint64_t position : {0, 4, 5, 9, 20, 35}) {
        TempDir dir;
        std::string segment;
        std::vector<std::uint64_t> starts = write_three_saves(dir.path(), segment);
        std::uint64_t last_record = starts[2];
        INFO("flip at " << last_record + position);
        flip_byte(segment, last_record + position);
        auto storage = open_ok(options(dir.path()));
        REQUIRE(storage->recovered().entries == entries(1, 1, 4));
        REQUIRE(storage->report().truncated_tail.has_value());
        REQUIRE(storage->report().truncated_tail->offset == last_record);
        REQUIRE(storage->report().truncated_tail->file == segment);
        REQUIRE(std::filesystem::file_size(segment) == last_record);
    }
}

TEST_CASE("wal recovery refuses a flipped byte in a middle record", "[store]")
{
    // Goal: a bad record followed by valid ones is corruption, not a torn
    // write: open fails naming the file and the byte offset; nothing is cut.
    for (std::uint64_t position : {1, 6, 12, 30}) {
        TempDir dir;
        std::string segment;
        std::vector<std::uint64_t> starts = write_three_saves(dir.path(), segment);
        std::uint64_t size_before = std::filesystem::file_size(segment);
        flip_byte(segment, starts[1] + position);
        auto opened = raftescort::store::DiskStorage::open(options(dir.path()), identity());
        REQUIRE_FALSE(opened.ok());
        INFO(opened.error().message);
        REQUIRE(opened.error().code == raftescort::util::ErrorCode::corrupt);
        REQUIRE(contains(opened.error().message, segment));
        REQUIRE(contains(opened.error().message, "byte offset " + std::to_string(starts[1])));
        REQUIRE(std::filesystem::file_size(segment) == size_before);
    }
}

TEST_CASE("wal recovery refuses damage in an earlier segment", "[store]")
{
    // Goal: a flipped byte, or a torn end, in a segment that is not the last
    // is fatal even at that segment's end, because later segments exist.
    for (bool torn : {false, true}) {
        TempDir dir;
        {
            auto storage = open_ok(options(dir.path(), 1));
            for (std::uint64_t index = 1; index <= 3; ++index) {
                save_ok(*storage, ready({entry(1, index)}, hard_state(1, 1, index)));
            }
        }
        std::vector<std::string> segments = segment_paths(dir.path());
        REQUIRE(segments.size() == 4);
        std::string damaged = segments[1];
        std::uint64_t size = std::filesystem::file_size(damaged);
        if (torn) {
            std::filesystem::resize_file(damaged, size - 3);
        } else {
            flip_byte(damaged, size - 3);
        }
        auto opened = raftescort::store::DiskStorage::open(options(dir.path(), 1), identity());
        REQUIRE_FALSE(opened.ok());
        INFO(opened.error().message);
        REQUIRE(contains(opened.error().message, damaged));
        REQUIRE(contains(opened.error().message, "byte offset "));
        REQUIRE(contains(opened.error().message, "not the last"));
    }
}

TEST_CASE("wal recovery refuses a missing segment in the middle", "[store]")
{
    // Goal: a gap in segment sequences means lost entries: fatal.
    TempDir dir;
    {
        auto storage = open_ok(options(dir.path(), 1));
        for (std::uint64_t index = 1; index <= 3; ++index) {
            save_ok(*storage, ready({entry(1, index)}, hard_state(1, 1, index)));
        }
    }
    std::filesystem::remove(segment_paths(dir.path())[2]);
    auto opened = raftescort::store::DiskStorage::open(options(dir.path(), 1), identity());
    REQUIRE_FALSE(opened.ok());
    REQUIRE(contains(opened.error().message, "missing segment 3"));
}

TEST_CASE("wal recovery refuses a record length beyond the file or the limit", "[store]")
{
    // Goal: lengths read from disk are checked before use; a huge length in
    // a middle record (valid records after it) is fatal, not a read past the end.
    TempDir dir;
    std::string segment;
    std::vector<std::uint64_t> starts = write_three_saves(dir.path(), segment);
    std::string bytes = read_bytes(segment);
    // Length field of the second save's first record: 0xFFFFFFFF.
    for (std::uint64_t i = 0; i < 4; ++i) {
        bytes[starts[1] + i] = static_cast<char>(0xFF);
    }
    write_bytes(segment, bytes);
    auto opened = raftescort::store::DiskStorage::open(options(dir.path()), identity());
    REQUIRE_FALSE(opened.ok());
    REQUIRE(contains(opened.error().message, "exceeds the limit"));
}

TEST_CASE("wal recovery after a crash at every byte of a leader snapshot install", "[store]")
{
    // Goal: a crash while installing a leader snapshot (snapshot file renamed,
    // new segment partly written, old segments not yet deleted) recovers
    // either the old log reconciled with the snapshot (whose entries, from an
    // older term, disagree with it and are dropped) or, once the log reset
    // record is whole, only what follows the reset. Method: keep the old
    // segments, install, put them back into a copy and cut the new segment.
    TempDir dir;
    TempDir saved;
    std::string new_segment;
    raft::Ready install;
    install.snapshot = snapshot(5, 2, "leader@5");
    install.entries = entries(2, 6, 7);
    install.hard_state = hard_state(2, 0, 6);
    {
        auto storage = open_ok(options(dir.path()));
        save_ok(*storage, ready(entries(1, 1, 10), hard_state(1, 1, 3)));
        copy_tree(dir.path() + "/wal", saved.join("wal"));
        new_segment = DiskStorageInspector::next_segment_path(*storage);
        save_ok(*storage, install);
    }
    std::string new_name = std::filesystem::path(new_segment).filename().string();
    // Header, hard state at open of the segment, log reset, two entries, hard state.
    std::vector<std::uint64_t> record_ends;
    std::uint64_t end = k_header_record_bytes;
    record_ends.push_back(end);
    record_ends.push_back(end += k_hard_state_record_bytes);
    record_ends.push_back(end += k_frame_bytes + 16);
    record_ends.push_back(end += entry_record_bytes(install.entries[0]));
    record_ends.push_back(end += entry_record_bytes(install.entries[1]));
    record_ends.push_back(end += k_hard_state_record_bytes);
    REQUIRE(std::filesystem::file_size(new_segment) == end);
    std::uint64_t offsets_checked = 0;
    for (std::uint64_t cut = 0; cut <= end; ++cut) {
        INFO("cut at byte " << cut);
        std::size_t whole = 0;
        while (whole < record_ends.size() && record_ends[whole] <= cut) {
            whole += 1;
        }
        TempDir scratch;
        std::string copy = scratch.join("data");
        copy_tree(dir.path(), copy);
        for (const auto& item : std::filesystem::directory_iterator(saved.join("wal"))) {
            std::filesystem::copy(item.path(), copy + "/wal/" + item.path().filename().string());
        }
        std::filesystem::resize_file(copy + "/wal/" + new_name, cut);
        auto storage = open_ok(options(copy));
        const raft::PersistedState& state = storage->recovered();
        REQUIRE(state.snapshot->metadata.index == raft::Index{5});
        std::vector<raft::Entry> expected;
        if (whole >= 4) {
            expected.push_back(install.entries[0]);
        }
        if (whole >= 5) {
            expected.push_back(install.entries[1]);
        }
        // Old entries 6..10 of term 1 never come back.
        REQUIRE(state.entries == expected);
        REQUIRE(state.hard_state == (whole >= 6 ? hard_state(2, 0, 6) : hard_state(1, 1, 5)));
        REQUIRE(storage->report().truncated_tail.has_value()
                == (cut != 0 && cut != record_ends[whole == 0 ? 0 : whole - 1]));
        offsets_checked += 1;
    }
    std::cout << "wal crash-at-every-byte (leader snapshot install): checked " << offsets_checked
              << " cut offsets\n";
}
