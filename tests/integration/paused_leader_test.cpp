// Integration: a leader paused with SIGSTOP (a zombie leader) is replaced,
// steps down when it resumes, and never acknowledges a move it could not
// commit.

#include "integration/local_cluster.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace raftescort::integration;

namespace {

/// Checks an answer to a move sent to the paused leader. A 421 or 503 (or no
/// answer) is honest. A 200 is allowed only if the move really committed: in
/// a term after the paused one, present in the log at the index it names.
void check_zombie_move_answer(const char* label, const HttpReply& reply, std::uint64_t old_term,
                              const std::string& client_id, const ConvoyMirror& mirror)
{
    INFO(label << ": " << reply.describe());
    CHECK((reply.status == 200 || reply.status == 421 || reply.status == 503 || !reply.answered()));
    if (reply.status != 200) {
        return;
    }
    REQUIRE(reply.json.is_object());
    const std::uint64_t term = reply.json.at("term").get<std::uint64_t>();
    const std::uint64_t index = reply.json.at("index").get<std::uint64_t>();
    CHECK(term > old_term);
    auto applied_at = mirror.index_of_request(client_id, 1);
    REQUIRE(applied_at);
    CHECK(*applied_at == index);
}

} // namespace

TEST_CASE("paused_leader_steps_down", "[integration][pause]")
{
    // Goal: a paused leader is deposed by the majority, learns the new term as
    // soon as it resumes, and moves sent to it while paused or just after are
    // never acknowledged with its old term (Redis-Raft #23: errors must be
    // honest; the zombie leader fault).
    // Method: SIGSTOP the leader; a thread sends it a move (the kernel queues
    // the request); the four others must elect a leader and commit a move.
    // After 3 x election timeout, SIGCONT; a second thread sends another move
    // at once, and the old leader must report a non-leader role in the new
    // term within about a second. Both answers are then checked against the
    // replayed log.
    ClusterOptions options;
    options.name = "paused";
    LocalCluster cluster(options);
    const IdSet all = {1, 2, 3, 4, 5};
    cluster.bootstrap(5);
    HttpReply warm_up = cluster.propose_move({1, 0, "warm-up", 1});
    INFO("warm-up move: " << warm_up.describe());
    REQUIRE(warm_up.status == 200);

    NodeStatus old_leader = cluster.wait_for_leader();
    const std::string host = cluster.host_of(old_leader.id);
    const std::uint16_t port = cluster.port_of(old_leader.id);
    IdSet others = all;
    others.erase(old_leader.id);

    cluster.pause_node(old_leader.id);
    const auto paused_at = Clock::now();
    // Each thread has its own client: httplib::Client is not thread-safe.
    auto move_while_paused = std::async(std::launch::async, [&] {
        NodeClient client(host, port);
        return client.move({1, 0, "zombie-paused", 1});
    });

    NodeStatus new_leader = cluster.wait_for_leader(
        "term after " + std::to_string(old_leader.term), Milliseconds(5000),
        [&](const NodeStatus& status) { return status.term > old_leader.term; }, others);
    HttpReply majority_move =
        cluster.propose_move({0, 1, "majority", 1}, Milliseconds(5000), others);
    INFO("move through the new leader: " << majority_move.describe());
    REQUIRE(majority_move.status == 200);

    // The length of the fault, not an assertion: 3 x election timeout paused.
    std::this_thread::sleep_until(paused_at + 3 * options.election_timeout);
    cluster.resume_node(old_leader.id);
    const auto resumed_at = Clock::now();
    auto move_after_resume = std::async(std::launch::async, [&] {
        NodeClient client(host, port);
        return client.move({-1, 0, "zombie-resumed", 1});
    });

    NodeStatus stepped_down = cluster.wait_for_status(
        old_leader.id, "non-leader in term >= " + std::to_string(new_leader.term),
        Milliseconds(5000), [&](const NodeStatus& status) {
            return !status.is_leader() && status.term >= new_leader.term;
        });
    const std::int64_t step_down_ms = milliseconds_since(resumed_at);
    WARN("paused leader " << old_leader.id << " reported " << stepped_down.role << " in term "
                          << stepped_down.term << " " << step_down_ms << " ms after SIGCONT");
    CHECK(step_down_ms <= 1000);

    const HttpReply paused_answer = move_while_paused.get();
    const HttpReply resumed_answer = move_after_resume.get();
    WARN("the paused leader answered the move sent while it was stopped: "
         << paused_answer.describe()
         << "; the move sent at SIGCONT: " << resumed_answer.describe());
    cluster.wait_converged(all, Milliseconds(10000));
    ConvoyMirror mirror = cluster.replay_log_of_any_node();
    REQUIRE(mirror.index_of_request("majority", 1));
    CHECK(*mirror.index_of_request("majority", 1)
          == majority_move.json.at("index").get<std::uint64_t>());
    check_zombie_move_answer("move sent while paused", paused_answer, old_leader.term,
                             "zombie-paused", mirror);
    check_zombie_move_answer("move sent at SIGCONT", resumed_answer, old_leader.term,
                             "zombie-resumed", mirror);
    cluster.check_invariants();
}
