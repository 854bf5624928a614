#include "proxy/record/recording_path.hpp"

#include <filesystem>
#include <system_error>

namespace raftescort::proxy {

namespace {

util::Status refuse(const std::string& message)
{
    return util::make_error(util::ErrorCode::rejected, message);
}

} // namespace

util::Status check_recording_path(const std::string& path, bool overwrite)
{
    if (path.empty()) {
        return refuse("the recording's file is empty: give a path on the proxy's machine");
    }
    if (path.size() > k_recording_path_chars_max) {
        return refuse("the recording's path is longer than 4096 characters");
    }
    if (path.find('\0') != std::string::npos) {
        return refuse("the recording's path holds a NUL character");
    }
    const std::filesystem::path file(path);
    // Refused in absolute paths too: a ".." is never needed to name a file.
    for (const std::filesystem::path& part : file) {
        if (part == "..") {
            return refuse("the recording's path may not contain \"..\"");
        }
    }
    if (!file.has_filename() || file.filename() == ".") {
        return refuse("the recording's path names a directory, not a file");
    }
    std::error_code error;
    const std::filesystem::path parent =
        file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(parent, error)) {
        return refuse("the recording's directory " + parent.string()
                      + " does not exist on the proxy's machine");
    }
    const std::filesystem::file_status status = std::filesystem::symlink_status(file, error);
    if (std::filesystem::exists(status)) {
        if (!std::filesystem::is_regular_file(status)) {
            return refuse(path + " exists and is not a regular file");
        }
        if (!overwrite) {
            return refuse(path + " exists; send \"overwrite\": true to replace it");
        }
    }
    return util::Ok{};
}

} // namespace raftescort::proxy
