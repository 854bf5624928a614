// Snapshot file encoding and checked decoding; see snapshot_file.hpp.

#include "store/snapshot_file.hpp"

#include "store/byte_codec.hpp"

#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

namespace raftescort::store {
namespace {

constexpr std::size_t k_snapshot_number_digits = 20;
constexpr std::string_view k_snapshot_suffix = ".snap";

std::string zero_padded(std::uint64_t value)
{
    std::string digits = std::to_string(value);
    RE_ASSERT(digits.size() <= k_snapshot_number_digits);
    return std::string(k_snapshot_number_digits - digits.size(), '0') + digits;
}

void put_members(ByteWriter& writer, const std::set<raft::NodeId>& members)
{
    RE_ASSERT(members.size() <= k_snapshot_members_max);
    writer.put_u32(static_cast<std::uint32_t>(members.size()));
    for (raft::NodeId member : members) {
        writer.put_u64(member.value);
    }
}

bool get_members(ByteReader& reader, std::set<raft::NodeId>& members)
{
    std::uint32_t count = 0;
    if (!reader.get_u32(count) || count > k_snapshot_members_max) {
        return false;
    }
    // Check the count against the bytes left before looping over it.
    if (static_cast<std::uint64_t>(count) * 8 > reader.remaining()) {
        return false;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint64_t id = 0;
        bool complete = reader.get_u64(id);
        RE_ASSERT(complete);
        // Members are written sorted and distinct; anything else is damage.
        if (id == 0 || !members.insert(raft::NodeId{id}).second) {
            return false;
        }
    }
    return members.size() == count;
}

util::Error corrupt(std::string_view why)
{
    return util::make_error(util::ErrorCode::corrupt, "snapshot file " + std::string(why));
}

} // namespace

std::string snapshot_file_name(const SnapshotName& name)
{
    RE_ASSERT(name.index.value > 0);
    return zero_padded(name.index.value) + "-" + zero_padded(name.term.value)
           + std::string(k_snapshot_suffix);
}

std::optional<SnapshotName> parse_snapshot_file_name(std::string_view file_name)
{
    constexpr std::size_t k_name_bytes =
        2 * k_snapshot_number_digits + 1 + k_snapshot_suffix.size();
    if (file_name.size() != k_name_bytes || file_name[k_snapshot_number_digits] != '-'
        || file_name.substr(k_name_bytes - k_snapshot_suffix.size()) != k_snapshot_suffix) {
        return std::nullopt;
    }
    auto index = util::parse_decimal<std::uint64_t>(file_name.substr(0, k_snapshot_number_digits));
    auto term = util::parse_decimal<std::uint64_t>(
        file_name.substr(k_snapshot_number_digits + 1, k_snapshot_number_digits));
    if (!index.has_value() || !term.has_value() || *index == 0) {
        return std::nullopt;
    }
    return SnapshotName{raft::Index{*index}, raft::Term{*term}};
}

std::string encode_snapshot_file(const raft::Snapshot& snapshot)
{
    RE_ASSERT(snapshot.metadata.index.value > 0);
    std::string bytes;
    ByteWriter writer(bytes);
    writer.put_u64(k_snapshot_magic);
    writer.put_u32(k_snapshot_format_version);
    writer.put_u64(snapshot.metadata.index.value);
    writer.put_u64(snapshot.metadata.term.value);
    put_members(writer, snapshot.metadata.conf.voters);
    put_members(writer, snapshot.metadata.conf.learners);
    writer.put_u64(snapshot.data.size());
    writer.put_bytes(snapshot.data);
    writer.put_u32(crc32c(bytes.data(), bytes.size()));
    return bytes;
}

util::Result<raft::Snapshot> decode_snapshot_file(std::string_view bytes)
{
    constexpr std::size_t k_checksum_bytes = 4;
    if (bytes.size() < k_checksum_bytes) {
        return corrupt("is too short");
    }
    std::string_view body = bytes.substr(0, bytes.size() - k_checksum_bytes);
    ByteReader checksum_reader(bytes.substr(body.size()));
    std::uint32_t checksum = 0;
    bool complete = checksum_reader.get_u32(checksum);
    RE_ASSERT(complete);
    if (crc32c(body.data(), body.size()) != checksum) {
        return corrupt("checksum mismatch");
    }
    ByteReader reader(body);
    std::uint64_t magic = 0;
    std::uint32_t version = 0;
    raft::Snapshot snapshot;
    if (!reader.get_u64(magic) || magic != k_snapshot_magic) {
        return corrupt("has the wrong magic");
    }
    if (!reader.get_u32(version) || version != k_snapshot_format_version) {
        return corrupt("has an unsupported format version");
    }
    if (!reader.get_u64(snapshot.metadata.index.value)
        || !reader.get_u64(snapshot.metadata.term.value) || snapshot.metadata.index.value == 0) {
        return corrupt("has a bad index or term");
    }
    if (!get_members(reader, snapshot.metadata.conf.voters)
        || !get_members(reader, snapshot.metadata.conf.learners)) {
        return corrupt("has a bad membership");
    }
    std::uint64_t data_bytes = 0;
    std::string_view data;
    // The data length must match the bytes left exactly, checked before use.
    if (!reader.get_u64(data_bytes) || data_bytes != reader.remaining()
        || !reader.get_bytes(static_cast<std::size_t>(data_bytes), data)) {
        return corrupt("has a bad data length");
    }
    snapshot.data.assign(data);
    RE_ASSERT(reader.remaining() == 0);
    return snapshot;
}

} // namespace raftescort::store
