// The IDENTITY file and data directory checks; see identity_file.hpp.

#include "store/identity_file.hpp"

#include <raftescort/util/cluster_id.hpp>

#include "store/file_ops.hpp"

#include <raftescort/store/secret_file.hpp>

#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <optional>
#include <vector>

namespace raftescort::store {
namespace {

constexpr std::string_view k_identity_title = "raftescort-identity";
constexpr std::size_t k_identity_lines = 4;

std::vector<std::string_view> split_lines(std::string_view bytes)
{
    std::vector<std::string_view> lines;
    while (!bytes.empty() && lines.size() <= k_identity_lines) {
        std::size_t end = bytes.find('\n');
        if (end == std::string_view::npos) {
            lines.push_back(bytes);
            break;
        }
        lines.push_back(bytes.substr(0, end));
        bytes.remove_prefix(end + 1);
    }
    return lines;
}

bool take_value(std::string_view line, std::string_view key, std::string_view& value)
{
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != '=') {
        return false;
    }
    value = line.substr(key.size() + 1);
    return true;
}

std::string describe(const Identity& identity)
{
    return "cluster " + identity.cluster_id + " node " + std::to_string(identity.node_id.value);
}

/// A directory counts as fresh if it holds only what an interrupted creation
/// leaves: empty wal/ and snapshot/ directories and a temporary IDENTITY,
/// and the cluster token a joining node stores before it asks to join.
util::Result<bool> is_fresh_directory(const std::string& directory,
                                      const std::vector<std::string>& names)
{
    std::string identity_temporary =
        std::string(k_identity_file_name) + std::string(k_temporary_suffix);
    std::string token_file(k_cluster_token_file_name);
    std::string token_temporary = token_file + std::string(k_temporary_suffix);
    for (const std::string& name : names) {
        if (name == identity_temporary || name == token_file || name == token_temporary) {
            continue;
        }
        if (name != k_wal_directory_name && name != k_snapshot_directory_name) {
            return false;
        }
        std::string path = join_path(directory, name);
        RE_TRY(directory_flag, is_directory(path));
        if (!directory_flag) {
            return false;
        }
        RE_TRY(children, list_directory(path));
        if (!children.empty()) {
            return false;
        }
    }
    return true;
}

util::Status create_data_directory(const std::string& directory, const Identity& identity,
                                   std::uint64_t& fsync_count)
{
    for (std::string_view sub : {k_wal_directory_name, k_snapshot_directory_name}) {
        std::string path = join_path(directory, sub);
        RE_TRY(exists, path_exists(path));
        if (!exists) {
            if (util::Status made = make_directory(path, fsync_count); !made.ok()) {
                return made.error();
            }
        }
    }
    // IDENTITY goes last: its presence says the directory is complete.
    return write_file_atomically(directory, std::string(k_identity_file_name),
                                 encode_identity(identity), fsync_count);
}

util::Status check_existing_identity(const std::string& directory, const Identity& identity)
{
    std::string path = join_path(directory, k_identity_file_name);
    RE_TRY(bytes, read_whole_file(path));
    util::Result<Identity> stored = decode_identity(bytes);
    if (!stored.ok()) {
        return util::make_error(util::ErrorCode::corrupt, path + ": " + stored.error().message);
    }
    if (!(stored.value() == identity)) {
        return util::make_error(util::ErrorCode::rejected, "data dir " + directory + " belongs to "
                                                               + describe(stored.value()) + ", not "
                                                               + describe(identity));
    }
    for (std::string_view sub : {k_wal_directory_name, k_snapshot_directory_name}) {
        std::string sub_path = join_path(directory, sub);
        RE_TRY(exists, path_exists(sub_path));
        if (!exists) {
            return util::make_error(util::ErrorCode::corrupt,
                                    "data dir " + directory + " has an IDENTITY but no "
                                        + std::string(sub) + "/ directory");
        }
    }
    return util::Ok{};
}

} // namespace

util::Status validate_identity(const Identity& identity)
{
    if (identity.node_id == raft::k_no_node) {
        return util::make_error(util::ErrorCode::invalid_argument, "node id must not be 0");
    }
    if (identity.cluster_id.empty() || identity.cluster_id.size() > util::k_cluster_id_bytes_max) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "cluster id must have 1 to 128 characters");
    }
    if (!util::is_valid_cluster_id(identity.cluster_id)) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "cluster id must be printable ASCII without spaces");
    }
    return util::Ok{};
}

std::string encode_identity(const Identity& identity)
{
    RE_ASSERT(validate_identity(identity).ok());
    std::string text(k_identity_title);
    text += "\nformat_version=" + std::to_string(k_identity_format_version);
    text += "\ncluster_id=" + identity.cluster_id;
    text += "\nnode_id=" + std::to_string(identity.node_id.value) + "\n";
    return text;
}

util::Result<Identity> decode_identity(std::string_view bytes)
{
    std::vector<std::string_view> lines = split_lines(bytes);
    auto malformed = [](std::string_view why) {
        return util::make_error(util::ErrorCode::corrupt,
                                "identity file is malformed: " + std::string(why));
    };
    if (lines.size() != k_identity_lines || bytes.back() != '\n') {
        return malformed("expected 4 lines");
    }
    if (lines[0] != k_identity_title) {
        return malformed("missing title line");
    }
    std::string_view version_text;
    if (!take_value(lines[1], "format_version", version_text)
        || util::parse_decimal<std::uint64_t>(version_text) != k_identity_format_version) {
        return malformed("unsupported format_version");
    }
    Identity identity;
    std::string_view cluster_id;
    std::string_view node_id_text;
    if (!take_value(lines[2], "cluster_id", cluster_id)) {
        return malformed("bad cluster_id line");
    }
    if (!take_value(lines[3], "node_id", node_id_text)) {
        return malformed("bad node_id line");
    }
    std::optional<std::uint64_t> node_id = util::parse_decimal<std::uint64_t>(node_id_text);
    if (!node_id) {
        return malformed("bad node_id line");
    }
    identity.node_id.value = *node_id;
    identity.cluster_id.assign(cluster_id);
    if (!validate_identity(identity).ok()) {
        return malformed("invalid cluster_id or node_id");
    }
    return identity;
}

util::Status prepare_data_directory(const std::string& directory, const Identity& identity,
                                    std::uint64_t& fsync_count)
{
    RE_ASSERT(validate_identity(identity).ok());
    RE_TRY(exists, path_exists(directory));
    if (!exists) {
        if (util::Status made = make_directory(directory, fsync_count); !made.ok()) {
            return made.error();
        }
    }
    RE_TRY(directory_flag, is_directory(directory));
    if (!directory_flag) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "data dir " + directory + " is not a directory");
    }
    RE_TRY(names, list_directory(directory));
    for (const std::string& name : names) {
        if (name == k_identity_file_name) {
            return check_existing_identity(directory, identity);
        }
    }
    RE_TRY(fresh, is_fresh_directory(directory, names));
    if (!fresh) {
        return util::make_error(util::ErrorCode::rejected,
                                "data dir " + directory
                                    + " is not empty and has no IDENTITY: it is not a "
                                      "raftescort data directory; refusing to use it");
    }
    return create_data_directory(directory, identity, fsync_count);
}

util::Result<std::optional<Identity>> read_identity(const std::string& directory)
{
    std::string path = join_path(directory, std::string(k_identity_file_name));
    RE_TRY(exists, path_exists(path));
    if (!exists) {
        return std::optional<Identity>{};
    }
    RE_TRY(bytes, read_whole_file(path));
    RE_TRY(identity, decode_identity(bytes));
    return std::optional<Identity>{identity};
}

} // namespace raftescort::store
