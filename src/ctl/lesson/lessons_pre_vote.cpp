// The lesson about pre-vote and check-quorum: a flapping node inflates the
// terms and deposes a healthy leader without them, and does not with them.

#include "ctl/format.hpp"
#include "ctl/lesson/lesson_checks.hpp"
#include "ctl/lesson/lessons.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace raftescort::ctl::lesson {

namespace {

using nlohmann::json;

/// "on" or "off" for a switch as a node reports it.
std::string switch_text(const json& value)
{
    return value.is_boolean() ? (value.get<bool>() ? "on" : "off") : value_text(value);
}

/// Both switches as every running voter reports them are `on`.
util::Status wait_switches(LessonRun& run, const NodeState& leader, bool on)
{
    const std::function<util::Result<util::Ok>()> probe = [&run, &leader,
                                                             on]() -> util::Result<util::Ok> {
        RE_TRY(nodes, run.cluster().nodes());
        for (const NodeState& node : nodes) {
            if (!leader.is_voter(node.id) || !node.running()) {
                continue;
            }
            for (const char* flag : {"pre_vote", "check_quorum"}) {
                const json& value = field(node.timing, flag);
                if (!value.is_boolean() || value.get<bool>() != on) {
                    return not_yet("node " + std::to_string(node.id) + " reports " + flag + " "
                                   + switch_text(value));
                }
            }
        }
        return util::Ok{};
    };
    RE_TRY(done, run.wait_for<util::Ok>(std::string("pre-vote and check-quorum ")
                                            + (on ? "on" : "off") + " on every voter",
                                        k_settle_wait, probe));
    (void)done;
    return util::Ok{};
}

/// Isolates `id` for `cut`, and returns the highest term it reached meanwhile.
util::Result<std::uint64_t> flap(LessonRun& run, std::uint64_t id, Milliseconds cut)
{
    RE_TRY(isolated, run.cluster().fault(json{{"kind", "isolate"},
                                              {"target", json::array({id})},
                                              {"for_ms", cut.count()}}));
    (void)isolated;
    std::uint64_t highest = 0;
    const auto until = std::chrono::steady_clock::now() + cut;
    while (std::chrono::steady_clock::now() < until) {
        util::Result<NodeState> node = run.cluster().node(id);
        if (node.ok()) {
            highest = std::max(highest, node.value().term);
        }
        std::this_thread::sleep_for(Milliseconds(100));
    }
    RE_TRY(healed, run.cluster().heal(std::vector<std::uint64_t>{id}));
    (void)healed;
    return highest;
}

} // namespace

util::Status run_pre_vote(LessonRun& run)
{
    run.step("Two guards against a flapping node",
             "A node whose links come and go keeps timing out. In plain Raft each time out "
             "starts an election in a higher term, and when it is back its higher term deposes "
             "a healthy leader. Pre-vote makes a node first ask whether it could win, without "
             "raising its term; check-quorum makes voters ignore a candidate while they still "
             "hear a leader, and makes a leader that lost its majority step down.");
    RE_TRY(leader, steady_leader(run));
    const json pre_vote = field(leader.timing, "pre_vote");
    if (!pre_vote.is_boolean()) {
        return run.failure("the nodes to report whether pre-vote is on",
                           "no pre_vote in node " + std::to_string(leader.id) + "'s timing");
    }
    run.changed_timing();
    RE_TRY(on, run.cluster().timing(json{{"pre_vote", true}, {"check_quorum", true}}));
    (void)on;
    RE_TRY(switched_on, wait_switches(run, leader, true));
    (void)switched_on;
    RE_TRY(follower, some_follower(run, leader));
    run.observe("node " + std::to_string(leader.id) + " leads term " + std::to_string(leader.term)
                + "; pre-vote and check-quorum on");

    const Milliseconds cut(3000);
    run.step("A flap with both guards on",
             "Node " + std::to_string(follower.id)
                 + " is cut off for 3 s. It times out again and again, but its pre-votes find no "
                   "majority, so it never raises its term; back in contact, it follows the leader "
                   "it had.");
    RE_TRY(guarded_term, flap(run, follower.id, cut));
    RE_TRY(after_guarded, steady_leader(run));
    if (guarded_term > leader.term || after_guarded.term != leader.term
        || after_guarded.id != leader.id) {
        return run.failure("node " + std::to_string(follower.id) + " to stay at term "
                               + std::to_string(leader.term) + " and node "
                               + std::to_string(leader.id) + " to keep leading",
                           "node " + std::to_string(follower.id) + " reached term "
                               + std::to_string(guarded_term) + "; node "
                               + std::to_string(after_guarded.id) + " leads term "
                               + std::to_string(after_guarded.term));
    }
    run.observe("node " + std::to_string(follower.id) + " stayed at term "
                + std::to_string(leader.term) + "; node " + std::to_string(leader.id)
                + " still leads");

    run.step("Both guards off",
             "Pre-vote and check-quorum are switched off on every node, as a command in the log "
             "so all switch at the same index.");
    RE_TRY(off, run.cluster().timing(json{{"pre_vote", false}, {"check_quorum", false}}));
    (void)off;
    RE_TRY(switched_off, wait_switches(run, leader, false));
    (void)switched_off;
    run.observe("pre-vote and check-quorum off on every voter");

    run.step("The same flap without them",
             "Cut off again, node " + std::to_string(follower.id)
                 + " starts a real election at every timeout, one term higher each time. When "
                   "it is back, the leader sees the higher term in its answers and steps down, "
                   "and the cluster holds an election it did not need.");
    RE_TRY(inflated_term, flap(run, follower.id, cut));
    if (inflated_term < leader.term + 2) {
        return run.failure("node " + std::to_string(follower.id)
                               + "'s term to climb by at least 2 while cut off",
                           "term " + std::to_string(inflated_term) + " from "
                               + std::to_string(leader.term));
    }
    RE_TRY(after_flap, new_leader(run, inflated_term - 1, 0));
    run.observe("node " + std::to_string(follower.id) + " reached term "
                + std::to_string(inflated_term) + " alone; the cluster went from term "
                + std::to_string(leader.term) + " to " + std::to_string(after_flap.term)
                + ", node " + std::to_string(after_flap.id) + " leading");

    run.step("Guards back on",
             "The switches go back to what they were. Pre-vote and check-quorum are on by "
             "default in raftescort, as in most Raft libraries used in production.");
    RE_TRY(restored, run.restore_timing());
    (void)restored;
    if (pre_vote.get<bool>()) {
        RE_TRY(back_on, wait_switches(run, leader, true));
        (void)back_on;
    }
    RE_TRY(settled, steady_leader(run));
    run.observe("node " + std::to_string(settled.id) + " leads term " + std::to_string(settled.term)
                + "; pre-vote " + switch_text(field(settled.timing, "pre_vote"))
                + ", check-quorum " + switch_text(field(settled.timing, "check_quorum")));
    return util::Ok{};
}

} // namespace raftescort::ctl::lesson
