// Tests of the IDENTITY file and data directory checks (src/store/identity_file.cpp).

#include "store/identity_file.hpp"
#include "store_test_support.hpp"

#include <filesystem>

using namespace store_test;
using raftescort::store::DiskStorage;
using raftescort::store::Identity;

TEST_CASE("identity: the same cluster and node reopen their directory", "[store]")
{
    // Goal: creation writes IDENTITY; reopening with the same identity works.
    TempDir dir;
    std::string data = dir.join("node3");
    open_ok(options(data));
    REQUIRE(std::filesystem::exists(data + "/IDENTITY"));
    REQUIRE(read_bytes(data + "/IDENTITY")
            == "raftescort-identity\nformat_version=1\ncluster_id=alpha\nnode_id=3\n");
    open_ok(options(data));
}

TEST_CASE("identity: another cluster or node is refused with both named", "[store]")
{
    // Goal: a data dir never serves another cluster or node; the message says
    // whose it is and who asked.
    TempDir dir;
    open_ok(options(dir.path()));
    auto other_cluster = DiskStorage::open(options(dir.path()), Identity{"beta", raft::NodeId{3}});
    REQUIRE_FALSE(other_cluster.ok());
    REQUIRE(other_cluster.error().code == raftescort::util::ErrorCode::rejected);
    REQUIRE(other_cluster.error().message
            == "data dir " + dir.path()
                   + " belongs to cluster alpha node 3, not cluster beta node 3");
    auto other_node = DiskStorage::open(options(dir.path()), Identity{"alpha", raft::NodeId{5}});
    REQUIRE_FALSE(other_node.ok());
    REQUIRE(other_node.error().message
            == "data dir " + dir.path()
                   + " belongs to cluster alpha node 3, not cluster alpha node 5");
}

TEST_CASE("identity: a foreign non-empty directory is refused", "[store]")
{
    // Goal: a directory with files but no IDENTITY is not ours; it is left untouched.
    TempDir dir;
    write_bytes(dir.join("notes.txt"), "someone else's data");
    auto opened = DiskStorage::open(options(dir.path()), identity());
    REQUIRE_FALSE(opened.ok());
    REQUIRE(contains(opened.error().message, "has no IDENTITY"));
    REQUIRE(contains(opened.error().message, dir.path()));
    REQUIRE_FALSE(std::filesystem::exists(dir.join("wal")));
}

TEST_CASE("identity: an interrupted creation is finished on the next open", "[store]")
{
    // Goal: empty wal/ and snapshot/ plus a leftover IDENTITY.tmp count as a
    // fresh directory (IDENTITY is written last, as the commit point).
    TempDir dir;
    std::filesystem::create_directory(dir.join("wal"));
    std::filesystem::create_directory(dir.join("snapshot"));
    write_bytes(dir.join("IDENTITY.tmp"), "raftescort-iden");
    open_ok(options(dir.path()));
    REQUIRE(std::filesystem::exists(dir.join("IDENTITY")));
    REQUIRE_FALSE(std::filesystem::exists(dir.join("IDENTITY.tmp")));
}

TEST_CASE("identity: malformed files and invalid identities are rejected", "[store]")
{
    // Goal: decoding is strict, and ids that could not round-trip are refused.
    namespace store = raftescort::store;
    REQUIRE_FALSE(store::decode_identity("").ok());
    REQUIRE_FALSE(
        store::decode_identity("raftescort-identity\nformat_version=2\ncluster_id=a\nnode_id=1\n")
            .ok());
    REQUIRE_FALSE(
        store::decode_identity("raftescort-identity\nformat_version=1\ncluster_id=a\nnode_id=0\n")
            .ok());
    REQUIRE_FALSE(
        store::decode_identity("raftescort-identity\nformat_version=1\ncluster_id=a\nnode_id=1")
            .ok());
    auto decoded =
        store::decode_identity("raftescort-identity\nformat_version=1\ncluster_id=a\nnode_id=7\n");
    REQUIRE(decoded.ok());
    REQUIRE(decoded.value() == Identity{"a", raft::NodeId{7}});
    REQUIRE_FALSE(store::validate_identity(Identity{"", raft::NodeId{1}}).ok());
    REQUIRE_FALSE(store::validate_identity(Identity{"a b", raft::NodeId{1}}).ok());
    REQUIRE_FALSE(store::validate_identity(Identity{"a", raft::NodeId{0}}).ok());
    TempDir dir;
    write_bytes(dir.join("IDENTITY"), "garbage");
    auto opened = DiskStorage::open(options(dir.path()), identity());
    REQUIRE_FALSE(opened.ok());
    REQUIRE(contains(opened.error().message, dir.join("IDENTITY")));
}
