// A fuzzing entry point for WAL recovery; see fuzz_entry.hpp.

#include "store/fuzz_entry.hpp"

#include "store/file_ops.hpp"
#include "store/identity_file.hpp"
#include "store/wal_segment.hpp"

#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/assert.hpp>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

namespace raftescort::store {
namespace {

constexpr std::uint64_t k_fuzz_segment_sequence = 1;

const Identity& fuzz_identity()
{
    static const Identity identity{"fuzz", raft::NodeId{1}};
    return identity;
}

util::Result<std::string> make_temporary_directory()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/raftescort-fuzz-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        return errno_error("mkdtemp", pattern, errno);
    }
    return std::string(buffer.data());
}

/// Builds a data directory whose only segment holds `bytes`.
util::Status write_fuzz_directory(const std::string& directory, const std::string& bytes,
                                  std::uint64_t& fsync_count)
{
    // An empty directory becomes a data directory of the fuzz identity.
    if (util::Status prepared = prepare_data_directory(directory, fuzz_identity(), fsync_count);
        !prepared.ok()) {
        return prepared.error();
    }
    std::string wal_directory = join_path(directory, k_wal_directory_name);
    RE_TRY(segment,
           open_for_writing(join_path(wal_directory, segment_file_name(k_fuzz_segment_sequence))));
    return write_all_at(segment, 0, bytes, wal_directory);
}

} // namespace

util::Status recover_segment_bytes_for_fuzzing(const std::string& bytes)
{
    RE_TRY(directory, make_temporary_directory());
    std::uint64_t fsync_count = 0;
    util::Status result = write_fuzz_directory(directory, bytes, fsync_count);
    if (result.ok()) {
        StorageOptions options;
        options.directory = directory;
        util::Result<std::unique_ptr<DiskStorage>> storage =
            DiskStorage::open(options, fuzz_identity());
        if (storage.ok()) {
            // Whatever recovery accepted must satisfy what the core relies on.
            const raft::PersistedState& state = storage.value()->recovered();
            RE_ASSERT(state.hard_state.commit.value <= state.entries.size()
                      || state.snapshot.has_value());
            result = util::Ok{};
        } else {
            result = storage.error();
        }
    }
    // Cleanup must happen whatever recovery said; a leak would fill the disk
    // over millions of fuzz runs.
    util::Status removed = remove_tree(directory);
    RE_ASSERT(removed.ok());
    return result;
}

} // namespace raftescort::store
