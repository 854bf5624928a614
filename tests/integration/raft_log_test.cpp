// Integration: GET /raft/log on five real processes. What it must show is
// Raft repairing a log: a deposed leader's uncommitted entries replaced, at
// the same indexes, by the entries of the leader that followed it.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

/// Node `id`'s log window from `from`.
json log_window(LocalCluster& cluster, std::uint64_t id, std::uint64_t from, std::uint64_t limit)
{
    HttpReply reply = cluster.client(id).get("/raft/log?from=" + std::to_string(from)
                                             + "&limit=" + std::to_string(limit));
    INFO("GET /raft/log on node " << id << ": " << reply.describe());
    REQUIRE(reply.status == 200);
    REQUIRE(reply.json.at("entries").is_array());
    return reply.json;
}

/// index -> term of the window's entries above its commit index.
std::map<std::uint64_t, std::uint64_t> uncommitted_terms(const json& window)
{
    std::map<std::uint64_t, std::uint64_t> terms;
    const std::uint64_t commit = window.at("commit_index").get<std::uint64_t>();
    for (const json& entry : window.at("entries")) {
        const std::uint64_t index = entry.at("index").get<std::uint64_t>();
        if (index > commit) {
            terms[index] = entry.at("term").get<std::uint64_t>();
        }
    }
    return terms;
}

/// index -> term of every entry in the window.
std::map<std::uint64_t, std::uint64_t> all_terms(const json& window)
{
    std::map<std::uint64_t, std::uint64_t> terms;
    for (const json& entry : window.at("entries")) {
        terms[entry.at("index").get<std::uint64_t>()] = entry.at("term").get<std::uint64_t>();
    }
    return terms;
}

} // namespace

TEST_CASE("a node's log route shows a deposed leader's entries replaced after the heal",
          "[integration][raftlog]")
{
    // Goal: an isolated leader takes moves it cannot commit; its /raft/log
    // shows them above its commit index, in its term. The other four elect
    // and commit. After the heal the same indexes on the old leader hold the
    // new leader's entries (same terms as the new leader's own log), and its
    // "overwritten" names each lost entry with its old term and how it went.
    ClusterOptions options;
    options.name = "raft-log-heal";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    NodeStatus old_leader = cluster.wait_for_leader();
    IdSet others = all;
    others.erase(old_leader.id);

    HttpReply isolated = cluster.client(old_leader.id)
                             .post("/chaos", json{{"kind", "isolate"}, {"for_ms", 30000}});
    INFO("isolate: " << isolated.describe());
    REQUIRE(isolated.status == 200);
    // Sent straight to the isolated leader, which appends it and can never
    // commit it; its answer comes when it steps down or its wait times out.
    HttpReply lost_move = cluster.client(old_leader.id).move({7, 0, "isolated", 1});
    INFO("move sent to the isolated leader: " << lost_move.describe());
    CHECK(lost_move.status != 200);

    const json before = log_window(cluster, old_leader.id, 1, 1000);
    const std::map<std::uint64_t, std::uint64_t> stranded = uncommitted_terms(before);
    INFO("the old leader's window before the heal: " << before.dump());
    REQUIRE_FALSE(stranded.empty());
    for (const auto& [index, term] : stranded) {
        CHECK(term == old_leader.term);
    }
    CHECK(before.at("overwritten").empty());

    NodeStatus new_leader = cluster.wait_for_leader(
        "term after " + std::to_string(old_leader.term), Milliseconds(8000),
        [&](const NodeStatus& status) { return status.term > old_leader.term; }, others);
    HttpReply committed =
        cluster.propose_move({0, 1, "majority", 1}, Milliseconds(5000), others);
    REQUIRE(committed.status == 200);

    HttpReply healed = cluster.client(old_leader.id).post("/chaos", json{{"kind", "heal"}});
    REQUIRE(healed.status == 200);
    cluster.wait_converged(all, Milliseconds(10000));

    const std::uint64_t first = stranded.begin()->first;
    const json after = log_window(cluster, old_leader.id, first, 1000);
    const json leader_log = log_window(cluster, new_leader.id, first, 1000);
    INFO("the old leader's window after the heal: " << after.dump());
    INFO("the new leader's window: " << leader_log.dump());
    const std::map<std::uint64_t, std::uint64_t> now = all_terms(after);
    const std::map<std::uint64_t, std::uint64_t> leaders = all_terms(leader_log);
    std::map<std::uint64_t, json> lost;
    for (const json& record : after.at("overwritten")) {
        lost[record.at("index").get<std::uint64_t>()] = record;
    }
    std::size_t replaced = 0;
    for (const auto& [index, old_term] : stranded) {
        INFO("index " << index << ", term " << old_term << " before the heal");
        if (leaders.count(index) == 1 && leaders.at(index) == old_term) {
            // It had reached a follower before the isolation, and the new
            // leader committed it: kept, not lost.
            CHECK(now.at(index) == old_term);
            CHECK(lost.count(index) == 0);
            continue;
        }
        REQUIRE(lost.count(index) == 1);
        ++replaced;
        CHECK(lost[index].at("term") == old_term);
        if (now.count(index) == 1) {
            // Replaced in place: the new leader's entry, of a later term.
            CHECK(now.at(index) > old_term);
            CHECK(now.at(index) == leaders.at(index));
            CHECK(lost[index].at("how") == "replaced");
            CHECK(lost[index].at("replaced_by_term") == now.at(index));
        } else {
            CHECK(lost[index].at("how") == "truncated");
        }
    }
    // The move sent to the isolated leader was among the entries it lost.
    CHECK(replaced >= 1);
    CHECK(after.at("commit_index").get<std::uint64_t>() >= first);
    cluster.check_invariants();
}

TEST_CASE("the log route's window and its refusals", "[integration][raftlog]")
{
    // Goal: without `from` the window is the last `limit` entries; a bad
    // query is a 400 that names the problem; the window's points agree
    // with /status.
    ClusterOptions options;
    options.name = "raft-log-window";
    LocalCluster cluster(options);
    cluster.bootstrap(3);
    NodeStatus leader = cluster.wait_for_leader();
    std::uint64_t move_index = 0;
    for (std::uint64_t sequence = 1; sequence <= 5; ++sequence) {
        HttpReply moved = cluster.propose_move({1, 0, "window", sequence});
        REQUIRE(moved.status == 200);
        move_index = moved.json.at("index").get<std::uint64_t>();
    }
    HttpReply tail = cluster.client(leader.id).get("/raft/log?limit=3");
    REQUIRE(tail.status == 200);
    const json& entries = tail.json.at("entries");
    REQUIRE(entries.size() == 3);
    CHECK(entries.back().at("index") == tail.json.at("last_index"));
    CHECK(tail.json.at("role") == "leader");
    CHECK(tail.json.at("id") == leader.id);
    // The last move, at the index its answer gave, in words.
    const json at_move = log_window(cluster, leader.id, move_index, 1);
    INFO(at_move.dump());
    REQUIRE(at_move.at("entries").size() == 1);
    CHECK(at_move.at("entries")[0].at("kind") == "move");
    CHECK(at_move.at("entries")[0].at("command") == "move 1 0 c=window s=5");

    for (const char* bad : {"/raft/log?limit=1001", "/raft/log?from=-1", "/raft/log?limit=x"}) {
        HttpReply refused = cluster.client(leader.id).get(bad);
        INFO(bad << ": " << refused.describe());
        CHECK(refused.status == 400);
        CHECK(refused.json.at("error").get<std::string>().find("limit") != std::string::npos);
    }
}
