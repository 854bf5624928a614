// Tests of secrets kept in files (src/store/secret_file.cpp).

#include "store_test_support.hpp"

#include <raftescort/store/secret_file.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using namespace store_test;
using raftescort::store::read_cluster_token;
using raftescort::store::read_secret_line;
using raftescort::store::write_cluster_token;

namespace {

void write_text(const std::string& path, const std::string& text)
{
    std::ofstream file(path, std::ios::binary);
    file << text;
}

unsigned mode_of(const std::string& path)
{
    struct stat info { };
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

} // namespace

TEST_CASE("secret file: the first line, without trailing whitespace", "[store][secret]")
{
    // Goal: an editor's newline, "\r\n" or trailing spaces never become part
    // of the secret; later lines are ignored; leading characters are kept.
    TempDir dir;
    const std::string path = dir.join("token");
    for (const char* text :
         {"s3cret-token", "s3cret-token\n", "s3cret-token\r\n", "s3cret-token \t\nsecond line\n"}) {
        write_text(path, text);
        auto line = read_secret_line(path);
        REQUIRE(line.ok());
        CHECK(line.value() == "s3cret-token");
    }
}

TEST_CASE("secret file: missing, empty or huge files are errors naming the file", "[store][secret]")
{
    // Goal: each failure says which file and why, so a typo in a path is
    // found at start, not as a 401 later.
    TempDir dir;
    const std::string path = dir.join("token");
    auto missing = read_secret_line(path);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find(path) != std::string::npos);
    for (const char* text : {"", "\n", "   \nsecond\n"}) {
        write_text(path, text);
        auto empty = read_secret_line(path);
        REQUIRE_FALSE(empty.ok());
        CHECK(empty.error().message.find(path) != std::string::npos);
        CHECK(empty.error().message.find("empty") != std::string::npos);
    }
    write_text(path, std::string(raftescort::store::k_secret_file_bytes_max + 1, 'a'));
    auto huge = read_secret_line(path);
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().message.find("larger") != std::string::npos);
    auto directory = read_secret_line(dir.path());
    REQUIRE_FALSE(directory.ok());
}

TEST_CASE("secret file: the cluster token is stored with mode 0600 and read back",
          "[store][secret]")
{
    // Goal: a missing data dir is created; the file is owner-only even when a
    // stale .tmp with a wider mode was left by a crash; a second write
    // replaces the first; a data dir without the file reads as none.
    TempDir dir;
    const std::string data = dir.join("node1");
    auto none = read_cluster_token(data);
    REQUIRE(none.ok());
    CHECK_FALSE(none.value().has_value());

    REQUIRE(write_cluster_token(data, "first-token").ok());
    CHECK(mode_of(data + "/cluster-token") == 0600);
    auto first = read_cluster_token(data);
    REQUIRE(first.ok());
    CHECK(first.value() == std::optional<std::string>("first-token"));

    write_text(data + "/cluster-token.tmp", "stale");
    ::chmod((data + "/cluster-token.tmp").c_str(), 0644);
    REQUIRE(write_cluster_token(data, "second-token").ok());
    CHECK(mode_of(data + "/cluster-token") == 0600);
    CHECK_FALSE(std::filesystem::exists(data + "/cluster-token.tmp"));
    CHECK(read_cluster_token(data).value() == std::optional<std::string>("second-token"));
}

TEST_CASE("secret file: a data dir holding only the cluster token is still fresh",
          "[store][secret]")
{
    // Goal: a joining node stores the token before it asks to join, and
    // opens its storage only later: the token file must not make the
    // directory look like someone else's.
    TempDir dir;
    const std::string data = dir.join("node2");
    REQUIRE(write_cluster_token(data, "joiner-token").ok());
    open_ok(options(data));
    CHECK(std::filesystem::exists(data + "/IDENTITY"));
    CHECK(read_cluster_token(data).value() == std::optional<std::string>("joiner-token"));
}
