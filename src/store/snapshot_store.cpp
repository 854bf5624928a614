// The snapshot directory; see snapshot_store.hpp.

#include "store/snapshot_store.hpp"

#include "store/file_ops.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::store {
namespace {

bool has_temporary_suffix(const std::string& name)
{
    return name.size() > k_temporary_suffix.size()
           && name.compare(name.size() - k_temporary_suffix.size(), k_temporary_suffix.size(),
                           k_temporary_suffix)
                  == 0;
}

bool is_later(const SnapshotName& candidate, const SnapshotName& current)
{
    if (candidate.index != current.index) {
        return candidate.index > current.index;
    }
    return candidate.term > current.term;
}

} // namespace

util::Status write_snapshot(const std::string& snapshot_directory, const raft::Snapshot& snapshot,
                            std::uint64_t& fsync_count)
{
    RE_ASSERT(snapshot.metadata.index.value > 0);
    SnapshotName name{snapshot.metadata.index, snapshot.metadata.term};
    std::string bytes = encode_snapshot_file(snapshot);
    RE_ASSERT(!bytes.empty());
    return write_file_atomically(snapshot_directory, snapshot_file_name(name), bytes, fsync_count);
}

util::Status remove_snapshots_except(const std::string& snapshot_directory,
                                     const SnapshotName& keep, std::uint64_t& fsync_count)
{
    RE_TRY(names, list_directory(snapshot_directory));
    std::string keep_name = snapshot_file_name(keep);
    bool removed_any = false;
    bool kept = false;
    for (const std::string& name : names) {
        if (name == keep_name) {
            kept = true;
            continue;
        }
        if (!parse_snapshot_file_name(name).has_value()) {
            continue;
        }
        if (util::Status removed = remove_file(join_path(snapshot_directory, name));
            !removed.ok()) {
            return removed.error();
        }
        removed_any = true;
    }
    // The snapshot being kept must be on disk, or we just deleted the last one.
    RE_ASSERT(kept);
    if (removed_any) {
        return sync_directory(snapshot_directory, fsync_count);
    }
    return util::Ok{};
}

util::Status remove_temporary_files(const std::string& directory, std::uint64_t& fsync_count)
{
    RE_TRY(names, list_directory(directory));
    bool removed_any = false;
    for (const std::string& name : names) {
        if (!has_temporary_suffix(name)) {
            continue;
        }
        if (util::Status removed = remove_file(join_path(directory, name)); !removed.ok()) {
            return removed.error();
        }
        removed_any = true;
    }
    if (removed_any) {
        return sync_directory(directory, fsync_count);
    }
    return util::Ok{};
}

util::Result<std::optional<raft::Snapshot>>
load_latest_snapshot(const std::string& snapshot_directory)
{
    RE_TRY(names, list_directory(snapshot_directory));
    std::optional<SnapshotName> latest;
    for (const std::string& name : names) {
        std::optional<SnapshotName> parsed = parse_snapshot_file_name(name);
        if (parsed.has_value() && (!latest.has_value() || is_later(*parsed, *latest))) {
            latest = parsed;
        }
    }
    if (!latest.has_value()) {
        return std::optional<raft::Snapshot>{};
    }
    std::string path = join_path(snapshot_directory, snapshot_file_name(*latest));
    RE_TRY(bytes, read_whole_file(path));
    util::Result<raft::Snapshot> snapshot = decode_snapshot_file(bytes);
    if (!snapshot.ok()) {
        return util::make_error(util::ErrorCode::corrupt,
                                path + ": " + snapshot.error().message
                                    + " (a synced snapshot was damaged; refusing to start)");
    }
    // The name is part of the record: a file renamed by hand is not trusted.
    if (snapshot.value().metadata.index != latest->index
        || snapshot.value().metadata.term != latest->term) {
        return util::make_error(util::ErrorCode::corrupt,
                                path + ": snapshot metadata does not match the file name");
    }
    return std::optional<raft::Snapshot>(std::move(snapshot.value()));
}

} // namespace raftescort::store
