// Unit tests of the Raft vocabulary: membership changes and their encoding.

#include <raftescort/raft/raft_node.hpp>
#include <raftescort/raft/types.hpp>

#include <catch2/catch.hpp>

using namespace raftescort::raft;

TEST_CASE("conf changes round-trip through their encoding", "[raft][types]")
{
    // Goal: every change type survives encode/decode, context included.
    for (ConfChangeType type : {ConfChangeType::add_learner, ConfChangeType::promote_voter,
                                ConfChangeType::remove_node}) {
        ConfChange change{type, NodeId{42}, "127.0.0.12:5000"};
        ConfChange decoded;
        REQUIRE(decode_conf_change(encode_conf_change(change), decoded));
        REQUIRE(decoded == change);
    }
}

TEST_CASE("malformed conf changes are refused", "[raft][types]")
{
    // Goal: decode never accepts garbage (committed data may come from a bad peer).
    ConfChange change;
    for (const char* bad : {"", "1", "1 ", "9 4 x", "1 0 x", "x 4 y", "1 4", "-1 4 x"}) {
        INFO(bad);
        REQUIRE_FALSE(decode_conf_change(bad, change));
    }
}

TEST_CASE("applying conf changes moves nodes between learners and voters", "[raft][types][6]")
{
    // Goal: learner -> voter -> removed; re-adding a voter as learner keeps it a voter.
    ConfState conf;
    conf = apply_conf_change(conf, ConfChange{ConfChangeType::add_learner, NodeId{4}, ""});
    REQUIRE(conf.learners.count(NodeId{4}) == 1);
    conf = apply_conf_change(conf, ConfChange{ConfChangeType::promote_voter, NodeId{4}, ""});
    REQUIRE(conf.voters.count(NodeId{4}) == 1);
    REQUIRE(conf.learners.empty());
    conf = apply_conf_change(conf, ConfChange{ConfChangeType::add_learner, NodeId{4}, ""});
    REQUIRE(conf.voters.count(NodeId{4}) == 1);
    REQUIRE(conf.learners.empty());
    conf = apply_conf_change(conf, ConfChange{ConfChangeType::remove_node, NodeId{4}, ""});
    REQUIRE_FALSE(conf.contains(NodeId{4}));
}

TEST_CASE("bootstrap entries describe the founding membership", "[raft][types]")
{
    // Goal: every founding member writes the same committed membership entries.
    ConfState conf;
    conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    conf.learners = {NodeId{9}};
    std::vector<Entry> entries = bootstrap_entries(conf);
    REQUIRE(entries.size() == 4);
    ConfState rebuilt;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        REQUIRE(entries[i].index == Index{i + 1});
        REQUIRE(entries[i].term == Term{1});
        ConfChange change;
        REQUIRE(decode_conf_change(entries[i].data, change));
        rebuilt = apply_conf_change(rebuilt, change);
    }
    REQUIRE(rebuilt == conf);
}
