// Secrets kept in files (include/raftescort/store/secret_file.hpp).

#include <raftescort/store/secret_file.hpp>

#include "store/file_ops.hpp"

#include <raftescort/util/assert.hpp>

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace raftescort::store {

namespace {

/// Owner read and write only: the token lets its holder act as a member.
constexpr unsigned k_secret_file_mode = 0600;

/// Reads at most k_secret_file_bytes_max + 1 bytes of a regular file.
util::Result<std::string> read_small_file(const std::string& path)
{
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return errno_error("open", path, errno);
    }
    FileHandle file(fd);
    struct stat info { };
    if (::fstat(fd, &info) != 0) {
        return errno_error("stat", path, errno);
    }
    if (!S_ISREG(info.st_mode)) {
        return util::make_error(util::ErrorCode::invalid_argument, path + " is not a regular file");
    }
    std::string bytes(k_secret_file_bytes_max + 1, '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t count = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return errno_error("read", path, errno);
        }
        if (count == 0) {
            break;
        }
        done += static_cast<std::size_t>(count);
    }
    if (done > k_secret_file_bytes_max) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                path + " is larger than " + std::to_string(k_secret_file_bytes_max)
                                    + " bytes: not a token file");
    }
    bytes.resize(done);
    return bytes;
}

} // namespace

util::Result<std::string> read_secret_line(const std::string& path)
{
    RE_TRY(bytes, read_small_file(path));
    std::string line = bytes.substr(0, bytes.find('\n'));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
        line.pop_back();
    }
    if (line.empty()) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                path + " is empty: the secret is its first line");
    }
    return line;
}

util::Result<std::optional<std::string>> read_cluster_token(const std::string& data_dir)
{
    const std::string path = join_path(data_dir, k_cluster_token_file_name);
    RE_TRY(exists, path_exists(path));
    if (!exists) {
        return std::optional<std::string>{};
    }
    RE_TRY(token, read_secret_line(path));
    return std::optional<std::string>{token};
}

util::Status write_cluster_token(const std::string& data_dir, std::string_view token)
{
    RE_ASSERT(!token.empty());
    RE_ASSERT(token.find('\n') == std::string_view::npos);
    std::uint64_t fsync_count = 0;
    RE_TRY(exists, path_exists(data_dir));
    if (!exists) {
        if (util::Status made = make_directory(data_dir, fsync_count); !made.ok()) {
            return made.error();
        }
    }
    std::string bytes(token);
    bytes += '\n';
    return write_file_atomically(data_dir, std::string(k_cluster_token_file_name), bytes,
                                 fsync_count, k_secret_file_mode);
}

} // namespace raftescort::store
