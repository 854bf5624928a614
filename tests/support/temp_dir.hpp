#pragma once

// A fresh directory per test, from mkdtemp under $TMPDIR (or /tmp), removed
// with everything in it at scope exit. Shared by every test that touches disk.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace raftescort::testing {

class TempDir {
public:
    /// `label` names the directory, so a leftover one says which tests made it.
    explicit TempDir(const std::string& label = "test")
    {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp")
                              + "/raftescort-" + label + "-XXXXXX";
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        REQUIRE(::mkdtemp(buffer.data()) != nullptr);
        m_path = buffer.data();
    }
    ~TempDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return m_path; }
    std::string join(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

} // namespace raftescort::testing
