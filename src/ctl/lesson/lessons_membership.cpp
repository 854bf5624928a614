// The lesson about changing the members: membership.

#include "ctl/format.hpp"
#include "ctl/lesson/lesson_checks.hpp"
#include "ctl/lesson/lessons.hpp"

#include <functional>
#include <thread>

namespace raftescort::ctl::lesson {

namespace {

bool contains(const std::vector<std::uint64_t>& ids, std::uint64_t id)
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

} // namespace

util::Status run_membership(LessonRun& run)
{
    run.step("Who the members are",
             "The set of voters is itself part of the log: a change is an entry, in force on "
             "each node as soon as it is in its log. Raftescort changes one member at a time, "
             "so the old and the new majority always overlap and two leaders can never be "
             "elected in one term.");
    RE_TRY(leader, steady_leader(run));
    RE_TRY(follower, some_follower(run, leader));
    run.observe("voters " + id_list_text(leader.voters) + "; a majority is "
                + std::to_string(majority_of(leader.voters.size())) + " of "
                + std::to_string(leader.voters.size()));

    const std::uint64_t id = follower.id;
    run.step("Remove a member",
             "Node " + std::to_string(id)
                 + " is removed: the leader appends the change and commits it with the old "
                   "members. From then on the node gets no more entries and does not vote.");
    RE_TRY(removed, run.cluster().remove_member(id));
    (void)removed;
    const std::uint64_t leader_id = leader.id;
    const std::function<util::Result<NodeState>()> without =
        [&run, id, leader_id]() -> util::Result<NodeState> {
        RE_TRY(now, run.cluster().node(leader_id));
        if (contains(now.voters, id) || contains(now.learners, id)) {
            return not_yet("the leader's voters are " + id_list_text(now.voters));
        }
        return now;
    };
    RE_TRY(smaller, run.wait_for<NodeState>("node " + std::to_string(id)
                                                + " gone from the leader's members",
                                            k_settle_wait, without));
    run.observe("voters " + id_list_text(smaller.voters) + "; a majority is now "
                + std::to_string(majority_of(smaller.voters.size())) + " of "
                + std::to_string(smaller.voters.size()));

    run.step("The cluster goes on without it",
             "Moves commit with a majority of the new, smaller set of voters; the removed node's "
             "log stops growing.");
    RE_TRY(moved, run.cluster().move(1, 0));
    // Long enough for a heartbeat to have reached the removed node, were it
    // still sent one.
    std::this_thread::sleep_for(Milliseconds(500));
    RE_TRY(window, run.cluster().raft_log(id, std::nullopt, 1));
    if (window.last_index >= moved.index) {
        return run.failure("node " + std::to_string(id) + " without index "
                               + std::to_string(moved.index),
                           "its log reaches " + std::to_string(window.last_index));
    }
    run.observe("index " + std::to_string(moved.index) + " committed; node " + std::to_string(id)
                + "'s log ends at " + std::to_string(window.last_index));

    run.step("Add it back, as a learner first",
             "Node " + std::to_string(id)
                 + " is added again at its address. It joins as a learner: it receives the log "
                   "but has no vote, so a new node that is far behind cannot stall commits while "
                   "it catches up.");
    RE_TRY(added, run.cluster().add_member(id, follower.name));
    (void)added;
    run.observe("node " + std::to_string(id) + " added at " + follower.name);

    run.step("Caught up, promoted to voter",
             "Once its log holds everything committed, the leader promotes it with one more "
             "membership entry, and the cluster has its voters back.");
    const std::uint64_t voters_before = leader.voters.size();
    const std::function<util::Result<NodeState>()> promoted =
        [&run, id, voters_before]() -> util::Result<NodeState> {
        RE_TRY(now, run.cluster().leader());
        if (!contains(now.voters, id) || now.voters.size() != voters_before) {
            return not_yet("the leader (node " + std::to_string(now.id) + ") has voters "
                           + id_list_text(now.voters) + " and learners "
                           + id_list_text(now.learners));
        }
        return now;
    };
    RE_TRY(back, run.wait_for<NodeState>("node " + std::to_string(id) + " a voter again",
                                         k_settle_wait, promoted));
    RE_TRY(held, wait_committed_on(run, id, moved.index, moved.term));
    (void)held;
    run.observe("voters " + id_list_text(back.voters) + "; node " + std::to_string(id)
                + " holds index " + std::to_string(moved.index));
    return util::Ok{};
}

} // namespace raftescort::ctl::lesson
