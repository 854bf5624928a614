// Tests of the recovery fuzzing entry point (src/store/fuzz_entry.cpp): a
// seeded sweep of the inputs libFuzzer would start from.

#include "store/fuzz_entry.hpp"
#include "store/wal_record.hpp"
#include "store/wal_segment.hpp"
#include "store_test_support.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

using namespace store_test;
namespace store = raftescort::store;

namespace {

std::string valid_segment()
{
    std::string bytes;
    store::append_record(bytes, store::RecordType::segment_header,
                         store::encode_segment_header(store::SegmentHeader{
                             store::k_segment_magic, store::k_segment_format_version, 1}));
    store::append_record(bytes, store::RecordType::hard_state,
                         store::encode_hard_state(hard_state(1, 1, 2)));
    for (const raft::Entry& log_entry : entries(1, 1, 3)) {
        store::append_record(bytes, store::RecordType::entry, store::encode_entry(log_entry));
    }
    return bytes;
}

/// Points TMPDIR at a directory of this test's own while it lives: the
/// count below would otherwise see another test process's fuzz directories
/// (ctest runs tests side by side).
class PrivateTmpdir {
public:
    PrivateTmpdir()
    {
        const char* base = std::getenv("TMPDIR");
        if (base != nullptr) {
            m_saved = base;
        }
        std::string pattern =
            (m_saved.empty() ? std::string("/tmp") : m_saved) + "/re-fuzz-test-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
        ::setenv("TMPDIR", m_path.c_str(), 1);
    }
    ~PrivateTmpdir()
    {
        if (m_saved.empty()) {
            ::unsetenv("TMPDIR");
        } else {
            ::setenv("TMPDIR", m_saved.c_str(), 1);
        }
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    PrivateTmpdir(const PrivateTmpdir&) = delete;
    PrivateTmpdir& operator=(const PrivateTmpdir&) = delete;

private:
    std::string m_saved;
    std::string m_path;
};

std::size_t fuzz_directories_left()
{
    std::size_t count = 0;
    const char* base = std::getenv("TMPDIR");
    std::string root = base != nullptr && *base != '\0' ? base : "/tmp";
    for (const auto& item : std::filesystem::directory_iterator(root)) {
        count += item.path().filename().string().rfind("raftescort-fuzz-", 0) == 0 ? 1 : 0;
    }
    return count;
}

} // namespace

TEST_CASE("fuzz entry recovers a valid segment and cleans up", "[store]")
{
    // Goal: a well-formed segment opens fine, and the temp dir is removed.
    PrivateTmpdir tmpdir;
    std::size_t before = fuzz_directories_left();
    auto recovered = store::recover_segment_bytes_for_fuzzing(valid_segment());
    INFO((recovered.ok() ? std::string("ok") : recovered.error().message));
    REQUIRE(recovered.ok());
    REQUIRE(store::recover_segment_bytes_for_fuzzing("").ok());
    REQUIRE(fuzz_directories_left() == before);
}

TEST_CASE("fuzz entry survives mutated and random segments", "[store]")
{
    // Goal: seeded mutations (byte flips, cuts, splices, random bytes) only
    // ever yield ok or an error; run under ASan/UBSan this checks bounds.
    PrivateTmpdir tmpdir;
    std::mt19937_64 rng(20240611);
    std::string seed = valid_segment();
    std::size_t before = fuzz_directories_left();
    for (int round = 0; round < 300; ++round) {
        std::string bytes = seed;
        switch (round % 4) {
        case 0: bytes[rng() % bytes.size()] = static_cast<char>(rng()); break;
        case 1: bytes.resize(rng() % bytes.size()); break;
        case 2:
            bytes.insert(rng() % bytes.size(),
                         std::string(1 + rng() % 16, static_cast<char>(rng())));
            break;
        default:
            bytes.assign(rng() % 256, '\0');
            for (char& c : bytes) {
                c = static_cast<char>(rng());
            }
            break;
        }
        (void)store::recover_segment_bytes_for_fuzzing(bytes);
    }
    REQUIRE(fuzz_directories_left() == before);
}
