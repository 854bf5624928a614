// Appending to and syncing one segment file; see segment_writer.hpp.

#include "store/segment_writer.hpp"

#include "store/wal_segment.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::store {

SegmentWriter::SegmentWriter(FileHandle file, std::string path, std::uint64_t sequence,
                             std::uint64_t existing_bytes, std::uint64_t preallocate_bytes)
    : m_file(std::move(file)), m_path(std::move(path)), m_sequence(sequence),
      m_bytes(existing_bytes), m_synced_bytes(existing_bytes), m_file_bytes(existing_bytes),
      m_preallocate_bytes(preallocate_bytes)
{
    RE_ASSERT(m_file.valid());
    RE_ASSERT(m_sequence > 0);
}

util::Result<SegmentWriter> SegmentWriter::open(const std::string& wal_directory,
                                                std::uint64_t sequence,
                                                std::uint64_t existing_bytes,
                                                std::uint64_t preallocate_bytes)
{
    RE_ASSERT(sequence > 0);
    std::string path = join_path(wal_directory, segment_file_name(sequence));
    RE_TRY(file, open_for_writing(path));
    return SegmentWriter(std::move(file), std::move(path), sequence, existing_bytes,
                         preallocate_bytes);
}

void SegmentWriter::preallocate_for(std::uint64_t end)
{
    if (end <= m_file_bytes || m_preallocate_bytes == 0) {
        return;
    }
    std::uint64_t grown = end + m_preallocate_bytes;
    if (!preallocate(m_file, m_file_bytes, grown - m_file_bytes)) {
        m_preallocate_bytes = 0;
        return;
    }
    m_file_bytes = grown;
}

util::Status SegmentWriter::append(std::string_view bytes)
{
    RE_ASSERT(m_synced_bytes <= m_bytes);
    preallocate_for(m_bytes + bytes.size());
    if (util::Status written = write_all_at(m_file, m_bytes, bytes, m_path); !written.ok()) {
        return written.error();
    }
    m_bytes += bytes.size();
    m_file_bytes = std::max(m_file_bytes, m_bytes);
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

util::Status SegmentWriter::seal()
{
    if (m_file_bytes == m_bytes) {
        return util::Ok{};
    }
    RE_ASSERT(m_file_bytes > m_bytes);
    if (util::Status cut = truncate_open_file(m_file, m_bytes, m_path); !cut.ok()) {
        return cut.error();
    }
    m_file_bytes = m_bytes;
    return util::Ok{};
}

} // namespace raftescort::store
