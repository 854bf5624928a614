#pragma once

// Shared helpers for the storage tests: a fresh temporary directory per
// test, small builders for entries and Readys, and byte-level file edits
// for fault injection.

#include <raftescort/raft/ready.hpp>
#include <raftescort/store/disk_storage.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace store_test {

namespace raft = raftescort::raft;
namespace store = raftescort::store;

/// Each test's own directory on disk.
class TempDir : public raftescort::testing::TempDir {
public:
    TempDir() : raftescort::testing::TempDir("store-test") { }
};

inline raft::Entry entry(std::uint64_t term, std::uint64_t index, std::string data = {})
{
    if (data.empty()) {
        data = "t" + std::to_string(term) + "-i" + std::to_string(index);
    }
    return raft::Entry{raft::Term{term}, raft::Index{index}, raft::EntryType::normal,
                       std::move(data)};
}

inline std::vector<raft::Entry> entries(std::uint64_t term, std::uint64_t first, std::uint64_t last)
{
    std::vector<raft::Entry> result;
    for (std::uint64_t index = first; index <= last; ++index) {
        result.push_back(entry(term, index));
    }
    return result;
}

inline raft::HardState hard_state(std::uint64_t term, std::uint64_t voted_for, std::uint64_t commit)
{
    return raft::HardState{raft::Term{term}, raft::NodeId{voted_for}, raft::Index{commit}};
}

inline raft::Ready ready(std::vector<raft::Entry> log_entries,
                         std::optional<raft::HardState> state = std::nullopt)
{
    raft::Ready result;
    result.entries = std::move(log_entries);
    result.hard_state = state;
    return result;
}

inline raft::Snapshot snapshot(std::uint64_t index, std::uint64_t term, std::string data)
{
    raft::Snapshot result;
    result.metadata.index = raft::Index{index};
    result.metadata.term = raft::Term{term};
    result.metadata.conf.voters = {raft::NodeId{1}, raft::NodeId{2}, raft::NodeId{3}};
    result.metadata.conf.learners = {raft::NodeId{4}};
    result.data = std::move(data);
    return result;
}

inline store::Identity identity() { return store::Identity{"alpha", raft::NodeId{3}}; }

inline store::StorageOptions options(const std::string& directory,
                                     std::uint64_t segment_bytes_max = 64ULL * 1024 * 1024)
{
    store::StorageOptions result;
    result.directory = directory;
    result.segment_bytes_max = segment_bytes_max;
    return result;
}

inline std::unique_ptr<store::DiskStorage> open_ok(const store::StorageOptions& storage_options,
                                                   const store::Identity& id = identity())
{
    auto opened = store::DiskStorage::open(storage_options, id);
    INFO((opened.ok() ? std::string("ok") : opened.error().message));
    REQUIRE(opened.ok());
    return std::move(opened.value());
}

inline void save_ok(store::DiskStorage& storage, const raft::Ready& batch)
{
    raftescort::util::Status saved = storage.save(batch);
    INFO((saved.ok() ? std::string("ok") : saved.error().message));
    REQUIRE(saved.ok());
}

inline std::string read_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    REQUIRE(out.good());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

inline void flip_byte(const std::string& path, std::uint64_t offset)
{
    std::string bytes = read_bytes(path);
    REQUIRE(offset < bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x5A);
    write_bytes(path, bytes);
}

/// Segment files of a data directory, in order.
inline std::vector<std::string> segment_paths(const std::string& directory)
{
    std::vector<std::string> paths;
    for (const auto& item : std::filesystem::directory_iterator(directory + "/wal")) {
        paths.push_back(item.path().string());
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

inline std::vector<std::string> snapshot_names(const std::string& directory)
{
    std::vector<std::string> names;
    for (const auto& item : std::filesystem::directory_iterator(directory + "/snapshot")) {
        names.push_back(item.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

inline void copy_tree(const std::string& source, const std::string& target)
{
    std::filesystem::copy(source, target, std::filesystem::copy_options::recursive);
}

inline bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace store_test
