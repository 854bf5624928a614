#pragma once

// Secrets kept in files: a token an operator hands over in a file (so that
// it never appears on a process's command line, where `ps` shows it to every
// user), and the cluster token a node keeps in its data directory.

#include <raftescort/util/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace raftescort::store {

/// The cluster token's file in a data directory (mode 0600).
inline constexpr std::string_view k_cluster_token_file_name = "cluster-token";

/// A secret file larger than this is not a token file (someone pointed at
/// the wrong file); refused without reading it all.
inline constexpr std::size_t k_secret_file_bytes_max = 64 * 1024;

/// The first line of the file at `path`, without trailing whitespace (so an
/// editor's newline or "\r\n" does not become part of the secret). An
/// unreadable file, one larger than k_secret_file_bytes_max or one whose
/// first line is empty is an error naming the file.
util::Result<std::string> read_secret_line(const std::string& path);

/// The cluster token stored in `data_dir`; nullopt when there is none.
util::Result<std::optional<std::string>> read_cluster_token(const std::string& data_dir);

/// Stores `token` in `data_dir` (created, one level, when missing) with mode
/// 0600, atomically: a temporary file, fsync, rename, fsync of the directory.
util::Status write_cluster_token(const std::string& data_dir, std::string_view token);

} // namespace raftescort::store
