#pragma once

// Where a recording may be written. The path comes from a client (POST
// /record) or the command line and names a file on the proxy's machine, so
// it is checked before anything is opened: no ".." component (a path that
// climbs out of where it seems to point), a parent directory that exists,
// and no existing file unless the caller asked to overwrite it.

#include <raftescort/util/result.hpp>

#include <string>

namespace raftescort::proxy {

/// The longest path accepted (PATH_MAX on Linux).
inline constexpr std::size_t k_recording_path_chars_max = 4096;

/// Ok when `path` may be opened for a recording. rejected (with what to
/// change) otherwise; the file is not touched.
util::Status check_recording_path(const std::string& path, bool overwrite);

} // namespace raftescort::proxy
