// Appending to and syncing one segment file; see segment_writer.hpp.

#include "store/segment_writer.hpp"

#include "store/wal_segment.hpp"

#include <raftescort/util/assert.hpp>

#include <utility>

namespace raftescort::store {

SegmentWriter::SegmentWriter(FileHandle file, std::string path, std::uint64_t sequence,
                             std::uint64_t existing_bytes)
    : m_file(std::move(file)), m_path(std::move(path)), m_sequence(sequence),
      m_bytes(existing_bytes), m_synced_bytes(existing_bytes)
{
    RE_ASSERT(m_file.valid());
    RE_ASSERT(m_sequence > 0);
}

util::Result<SegmentWriter> SegmentWriter::open(const std::string& wal_directory,
                                                std::uint64_t sequence,
                                                std::uint64_t existing_bytes)
{
    RE_ASSERT(sequence > 0);
    std::string path = join_path(wal_directory, segment_file_name(sequence));
    RE_TRY(file, open_for_append(path));
    return SegmentWriter(std::move(file), std::move(path), sequence, existing_bytes);
}

util::Status SegmentWriter::append(std::string_view bytes)
{
    RE_ASSERT(m_synced_bytes <= m_bytes);
    if (util::Status written = write_all(m_file, bytes, m_path); !written.ok()) {
        return written.error();
    }
    m_bytes += bytes.size();
    return util::Ok{};
}

util::Status SegmentWriter::sync(std::uint64_t& fsync_count)
{
    RE_ASSERT(m_synced_bytes <= m_bytes);
    if (util::Status synced = sync_file(m_file, m_path, fsync_count); !synced.ok()) {
        return synced.error();
    }
    m_synced_bytes = m_bytes;
    return util::Ok{};
}

} // namespace raftescort::store
