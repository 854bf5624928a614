// POSIX file operations with errors as values; see file_ops.hpp.

#include "store/file_ops.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace raftescort::store {
namespace {

/// A directory holds few entries (segments, snapshots); more means something
/// else is writing into it.
constexpr std::size_t k_directory_entries_max = 1'000'000;

int open_retrying(const char* path, int flags, mode_t mode = 0)
{
    int fd = -1;
    do {
        fd = ::open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

std::string parent_directory(const std::string& path)
{
    std::size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) {
        return ".";
    }
    if (slash == 0) {
        return "/";
    }
    return path.substr(0, slash);
}

} // namespace

FileHandle::~FileHandle()
{
    if (m_fd >= 0) {
        // Close errors are ignored on purpose: durability is decided by the
        // fsync that precedes every success, never by close().
        ::close(m_fd);
    }
}

FileHandle::FileHandle(FileHandle&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) { }

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

std::string join_path(std::string_view directory, std::string_view name)
{
    RE_ASSERT(!directory.empty());
    RE_ASSERT(!name.empty());
    std::string path(directory);
    if (path.back() != '/') {
        path.push_back('/');
    }
    path.append(name);
    return path;
}

util::Error errno_error(std::string_view operation, std::string_view path, int error_number)
{
    std::string message(operation);
    message.append(" ");
    message.append(path);
    message.append(": ");
    message.append(std::strerror(error_number));
    return util::make_error(util::ErrorCode::io_error, std::move(message));
}

util::Result<bool> path_exists(const std::string& path)
{
    struct stat info { };
    if (::lstat(path.c_str(), &info) == 0) {
        return true;
    }
    if (errno == ENOENT) {
        return false;
    }
    return errno_error("stat", path, errno);
}

util::Result<bool> is_directory(const std::string& path)
{
    struct stat info { };
    if (::lstat(path.c_str(), &info) != 0) {
        return errno_error("stat", path, errno);
    }
    return S_ISDIR(info.st_mode);
}

util::Status make_directory(const std::string& path, std::uint64_t& fsync_count)
{
    if (::mkdir(path.c_str(), 0755) != 0) {
        return errno_error("mkdir", path, errno);
    }
    // The new entry is only durable once its parent directory is synced.
    return sync_directory(parent_directory(path), fsync_count);
}

util::Result<std::vector<std::string>> list_directory(const std::string& path)
{
    DIR* directory = ::opendir(path.c_str());
    if (directory == nullptr) {
        return errno_error("opendir", path, errno);
    }
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(directory);
        if (entry == nullptr) {
            break;
        }
        std::string name(entry->d_name);
        if (name != "." && name != "..") {
            names.push_back(std::move(name));
        }
        if (names.size() > k_directory_entries_max) {
            ::closedir(directory);
            return util::make_error(util::ErrorCode::io_error,
                                    "directory " + path + " holds too many entries");
        }
    }
    int read_errno = errno;
    ::closedir(directory);
    if (read_errno != 0) {
        return errno_error("readdir", path, read_errno);
    }
    std::sort(names.begin(), names.end());
    return names;
}

util::Result<FileHandle> open_for_writing(const std::string& path)
{
    int fd = open_retrying(path.c_str(), O_WRONLY | O_CREAT, 0644);
    if (fd < 0) {
        return errno_error("open", path, errno);
    }
    return FileHandle(fd);
}

util::Status write_all_at(const FileHandle& file, std::uint64_t offset, std::string_view bytes,
                          const std::string& path)
{
    RE_ASSERT(file.valid());
    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t result = ::pwrite(file.fd(), bytes.data() + written, bytes.size() - written,
                                  static_cast<off_t>(offset + written));
        if (result < 0 && errno == EINTR) {
            continue;
        }
        if (result < 0) {
            return errno_error("write", path, errno);
        }
        if (result == 0) {
            // pwrite() returning 0 for a non-empty buffer means the disk takes
            // no more; report it rather than spin.
            return errno_error("write (no progress)", path, EIO);
        }
        written += static_cast<std::size_t>(result);
    }
    RE_ASSERT(written == bytes.size());
    return util::Ok{};
}

bool preallocate(const FileHandle& file, std::uint64_t offset, std::uint64_t length)
{
    RE_ASSERT(file.valid());
    int result = 0;
    do {
        result = ::fallocate(file.fd(), 0, static_cast<off_t>(offset), static_cast<off_t>(length));
    } while (result != 0 && errno == EINTR);
    return result == 0;
}

util::Status truncate_open_file(const FileHandle& file, std::uint64_t size,
                                const std::string& path)
{
    RE_ASSERT(file.valid());
    if (::ftruncate(file.fd(), static_cast<off_t>(size)) != 0) {
        return errno_error("ftruncate", path, errno);
    }
    return util::Ok{};
}

util::Status sync_file(const FileHandle& file, const std::string& path, std::uint64_t& fsync_count)
{
    RE_ASSERT(file.valid());
    fsync_count += 1;
    // fsync is not retried after an error: the kernel may have dropped the
    // dirty pages already, so a second success would be a lie.
    if (::fsync(file.fd()) != 0) {
        return errno_error("fsync", path, errno);
    }
    return util::Ok{};
}

util::Status sync_directory(const std::string& path, std::uint64_t& fsync_count)
{
    int fd = open_retrying(path.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return errno_error("open directory", path, errno);
    }
    FileHandle directory(fd);
    return sync_file(directory, path, fsync_count);
}

util::Status truncate_file(const std::string& path, std::uint64_t size, std::uint64_t& fsync_count)
{
    int fd = open_retrying(path.c_str(), O_WRONLY);
    if (fd < 0) {
        return errno_error("open", path, errno);
    }
    FileHandle file(fd);
    if (util::Status cut = truncate_open_file(file, size, path); !cut.ok()) {
        return cut.error();
    }
    return sync_file(file, path, fsync_count);
}

util::Status remove_file(const std::string& path)
{
    if (::unlink(path.c_str()) != 0) {
        return errno_error("unlink", path, errno);
    }
    return util::Ok{};
}

util::Result<std::string> read_whole_file(const std::string& path)
{
    int fd = open_retrying(path.c_str(), O_RDONLY | O_NOFOLLOW);
    if (fd < 0) {
        return errno_error("open", path, errno);
    }
    FileHandle file(fd);
    struct stat info { };
    if (::fstat(file.fd(), &info) != 0) {
        return errno_error("fstat", path, errno);
    }
    if (!S_ISREG(info.st_mode)) {
        return util::make_error(util::ErrorCode::corrupt, path + " is not a regular file");
    }
    RE_ASSERT(info.st_size >= 0);
    auto size = static_cast<std::uint64_t>(info.st_size);
    if (size > k_file_bytes_max) {
        return util::make_error(util::ErrorCode::corrupt, path + " is larger than "
                                                              + std::to_string(k_file_bytes_max)
                                                              + " bytes");
    }
    std::string bytes(static_cast<std::size_t>(size), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t result = ::read(file.fd(), bytes.data() + done, bytes.size() - done);
        if (result < 0 && errno == EINTR) {
            continue;
        }
        if (result < 0) {
            return errno_error("read", path, errno);
        }
        if (result == 0) {
            // The file shrank while we read it; keep what was there.
            bytes.resize(done);
            break;
        }
        done += static_cast<std::size_t>(result);
    }
    RE_ASSERT(bytes.size() <= size);
    return bytes;
}

util::Status write_file_atomically(const std::string& directory, const std::string& name,
                                   std::string_view bytes, std::uint64_t& fsync_count,
                                   unsigned mode)
{
    RE_ASSERT(mode <= 0777);
    std::string final_path = join_path(directory, name);
    std::string temporary_path = final_path + std::string(k_temporary_suffix);
    // O_CREAT's mode applies only to a new file: a .tmp left by a crash
    // would keep its old mode, so it goes first. The umask may narrow the
    // mode further, never widen it.
    if (::unlink(temporary_path.c_str()) != 0 && errno != ENOENT) {
        return errno_error("unlink", temporary_path, errno);
    }
    int fd = open_retrying(temporary_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                           static_cast<mode_t>(mode));
    if (fd < 0) {
        return errno_error("open", temporary_path, errno);
    }
    {
        FileHandle file(fd);
        if (util::Status written = write_all_at(file, 0, bytes, temporary_path); !written.ok()) {
            return written.error();
        }
        if (util::Status synced = sync_file(file, temporary_path, fsync_count); !synced.ok()) {
            return synced.error();
        }
    }
    if (::rename(temporary_path.c_str(), final_path.c_str()) != 0) {
        return errno_error("rename", temporary_path, errno);
    }
    return sync_directory(directory, fsync_count);
}

namespace {

int remove_tree_entry(const char* path, const struct stat*, int, struct FTW*)
{
    return ::remove(path);
}

} // namespace

util::Status remove_tree(const std::string& path)
{
    // FTW_DEPTH visits children before their directory; FTW_PHYS never
    // follows a symbolic link out of the tree.
    constexpr int k_open_descriptors_max = 16;
    if (::nftw(path.c_str(), remove_tree_entry, k_open_descriptors_max, FTW_DEPTH | FTW_PHYS)
        != 0) {
        return errno_error("remove tree", path, errno);
    }
    return util::Ok{};
}

} // namespace raftescort::store
