#pragma once

// Thin POSIX file operations for the storage layer. Each turns a failing
// system call into a Status naming the operation, the file and the errno
// text, so a disk error reaches the runtime as a value it can log and stop on.
// Functions that fsync count the call in `fsync_count` (for group-commit
// tests and benchmarks).

#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace raftescort::store {

/// A file descriptor closed on destruction.
class FileHandle {
public:
    FileHandle() = default;
    explicit FileHandle(int fd) : m_fd(fd) { }
    ~FileHandle();
    FileHandle(FileHandle&& other) noexcept;
    FileHandle& operator=(FileHandle&& other) noexcept;
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;

    int fd() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }

private:
    int m_fd = -1;
};

/// The largest file the storage layer reads back whole (segments, snapshots).
inline constexpr std::uint64_t k_file_bytes_max = 4ULL * 1024 * 1024 * 1024;

std::string join_path(std::string_view directory, std::string_view name);

/// An io_error naming the operation and path, with errno's text.
util::Error errno_error(std::string_view operation, std::string_view path, int error_number);

util::Result<bool> path_exists(const std::string& path);
util::Result<bool> is_directory(const std::string& path);
/// Creates one directory level (mode 0755) and fsyncs its parent.
util::Status make_directory(const std::string& path, std::uint64_t& fsync_count);
/// Names in a directory, without "." and "..", sorted.
util::Result<std::vector<std::string>> list_directory(const std::string& path);

/// Opens for writing at chosen offsets (write_all_at): creates the file if
/// missing (mode 0644). Never truncates, so reopening a path by mistake
/// cannot destroy a segment.
util::Result<FileHandle> open_for_writing(const std::string& path);
/// Writes all of `bytes` at `offset`; a short write that makes no progress
/// is an error (errno, or EIO if none was set).
util::Status write_all_at(const FileHandle& file, std::uint64_t offset, std::string_view bytes,
                          const std::string& path);
/// Allocates [offset, offset + length) on disk, growing the file to cover it
/// (the new bytes read as zeros). False when the filesystem cannot (no
/// fallocate support, disk full): the caller then just writes without it.
bool preallocate(const FileHandle& file, std::uint64_t offset, std::uint64_t length);
/// Cuts an open file to `size` bytes (no fsync).
util::Status truncate_open_file(const FileHandle& file, std::uint64_t size,
                                const std::string& path);
util::Status sync_file(const FileHandle& file, const std::string& path, std::uint64_t& fsync_count);
util::Status sync_directory(const std::string& path, std::uint64_t& fsync_count);
/// Cuts a file to `size` bytes and fsyncs it.
util::Status truncate_file(const std::string& path, std::uint64_t size, std::uint64_t& fsync_count);
util::Status remove_file(const std::string& path);

/// Reads a whole regular file; anything else (a device, a FIFO) or a file
/// larger than k_file_bytes_max is refused.
util::Result<std::string> read_whole_file(const std::string& path);

/// Writes `bytes` to <directory>/<name>.tmp, fsyncs it, renames it to
/// <directory>/<name> and fsyncs the directory: after success the file is
/// durable under its final name; after a crash at most a .tmp file remains.
/// The file gets `mode` (0600 for a secret), whatever an earlier .tmp had.
util::Status write_file_atomically(const std::string& directory, const std::string& name,
                                   std::string_view bytes, std::uint64_t& fsync_count,
                                   unsigned mode = 0644);

/// The suffix of the temporary files write_file_atomically leaves behind.
inline constexpr std::string_view k_temporary_suffix = ".tmp";

/// Deletes a directory tree without following symbolic links (temp dirs only).
util::Status remove_tree(const std::string& path);

} // namespace raftescort::store
