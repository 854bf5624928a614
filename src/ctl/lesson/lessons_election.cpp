// The lessons about elections: leader-election, leader-crash, split-vote.

#include "ctl/format.hpp"
#include "ctl/lesson/lesson_checks.hpp"
#include "ctl/lesson/lessons.hpp"

#include <chrono>
#include <functional>
#include <thread>

namespace raftescort::ctl::lesson {

namespace {

using nlohmann::json;

/// The candidacies of `term` in GET /elections, or an empty list.
json candidacies_of(const json& elections, std::uint64_t term)
{
    return as_list(field(elections, std::to_string(term).c_str()));
}

std::size_t granted_votes(const json& candidacy)
{
    const json& by_id = field(candidacy, "ballots_by_id");
    const json& ballots = by_id.is_object() ? by_id : field(candidacy, "ballots");
    std::size_t granted = 0;
    if (ballots.is_object()) {
        for (const auto& [voter, vote] : ballots.items()) {
            granted += vote.is_boolean() && vote.get<bool>() ? 1 : 0;
        }
    }
    return granted;
}

/// The election of the leader's term as the registry recorded it: who won
/// with how many votes; not yet until the winner's ballots make a majority
/// (they reach Redis one by one).
util::Result<std::string> won_election_text(LessonRun& run, const NodeState& leader)
{
    RE_TRY(elections, run.cluster().elections());
    for (const json& candidacy : candidacies_of(elections, leader.term)) {
        if (field_unsigned(candidacy, "candidate") != leader.id
            || field_text(candidacy, "outcome") != "won") {
            continue;
        }
        // Ballots are the others' answers; the candidate's own vote is not one.
        const std::size_t votes = granted_votes(candidacy) + 1;
        const std::size_t needed = majority_of(leader.voters.size());
        if (votes < needed) {
            return not_yet("node " + std::to_string(leader.id) + " won term "
                           + std::to_string(leader.term) + " with " + std::to_string(votes)
                           + " votes recorded, fewer than a majority of "
                           + std::to_string(leader.voters.size()));
        }
        return "node " + std::to_string(leader.id) + " won term " + std::to_string(leader.term)
               + " with " + std::to_string(votes) + " of " + std::to_string(leader.voters.size())
               + " votes, its own included (a majority is " + std::to_string(needed) + ")";
    }
    return not_yet("no won candidacy of node " + std::to_string(leader.id) + " in term "
                   + std::to_string(leader.term) + " in the record yet");
}

std::int64_t election_timeout_ms(const NodeState& node)
{
    const std::uint64_t ms = field_unsigned(node.timing, "election_timeout_ms");
    return ms == 0 ? 300 : static_cast<std::int64_t>(ms);
}

/// Every running voter agrees that `leader` leads its term, and it still does
/// after `hold`: no one timed out while its heartbeats arrived.
util::Status leader_holds(LessonRun& run, const NodeState& leader, Milliseconds hold)
{
    std::this_thread::sleep_for(hold);
    RE_TRY(now, run.cluster().leader());
    if (now.id != leader.id || now.term != leader.term) {
        return run.failure("node " + std::to_string(leader.id) + " still leading term "
                               + std::to_string(leader.term),
                           "node " + std::to_string(now.id) + " leading term "
                               + std::to_string(now.term));
    }
    return util::Ok{};
}

} // namespace

util::Status run_leader_election(LessonRun& run)
{
    run.step("Who leads now",
             "Every node is a follower, a candidate or the leader, and time is cut into "
             "numbered terms with at most one leader each. The leader sends heartbeats; a "
             "follower that hears none for its election timeout (random, between one and two "
             "timeouts) becomes a candidate in the next term and asks the others for their "
             "vote.");
    RE_TRY(before, steady_leader(run));
    run.observe("node " + std::to_string(before.id) + " leads term " + std::to_string(before.term)
                + "; voters " + id_list_text(before.voters));

    run.step("Every node crashes at once",
             "All nodes crash together for two seconds. What they keep on disk survives: the "
             "current term, the vote they cast in it, and the log. Everything else, who leads "
             "included, is gone, so when they come back no one is leader.");
    RE_TRY(crashed, run.cluster().fault(json{{"kind", "crash"}, {"target", "all"}, {"for_ms", 2000}}));
    (void)crashed;
    const std::function<util::Result<util::Ok>()> all_down = [&run]() -> util::Result<util::Ok> {
        RE_TRY(nodes, run.cluster().nodes());
        for (const NodeState& node : nodes) {
            if (node.role == "leader") {
                return not_yet(nodes_text(nodes));
            }
        }
        return util::Ok{};
    };
    RE_TRY(down, run.wait_for<util::Ok>("no node leading while all are crashed",
                                        Milliseconds(3000), all_down, Milliseconds(50)));
    (void)down;
    run.observe("no leader: every node is down");

    run.step("A candidate asks for votes",
             "They restart as followers. The first whose randomized timeout runs out first asks "
             "the others whether it could win (pre-vote), then becomes a candidate in a new "
             "term, votes for itself and asks for votes. A node grants one vote per term, and "
             "only to a candidate whose log is at least as up to date as its own. A majority "
             "makes it leader.");
    RE_TRY(elected, new_leader(run, before.term, 0));
    const std::function<util::Result<std::string>()> recorded = [&run, &elected] {
        return won_election_text(run, elected);
    };
    RE_TRY(won, run.wait_for<std::string>("the registry to record the election of term "
                                              + std::to_string(elected.term),
                                          Milliseconds(5000), recorded));
    run.observe(won);

    run.step("Heartbeats keep the leader in place",
             "The new leader sends heartbeats more often than any election timeout, so no "
             "follower times out and the term stays the same while the leader lives.");
    RE_TRY(settled, steady_leader(run));
    if (settled.id != elected.id || settled.term != elected.term) {
        return run.failure("node " + std::to_string(elected.id) + " leading term "
                               + std::to_string(elected.term) + " with every voter following",
                           "node " + std::to_string(settled.id) + " leading term "
                               + std::to_string(settled.term));
    }
    RE_TRY(held, leader_holds(run, settled,
                              Milliseconds(std::max<std::int64_t>(1000, 5 * election_timeout_ms(settled)))));
    (void)held;
    run.observe("node " + std::to_string(settled.id) + " still leads term "
                + std::to_string(settled.term) + " after several election timeouts");

    run.step("The new leader commits",
             "A leader may only count entries of its own term as committed once a majority "
             "holds them; a move sent now is committed in the new term.");
    RE_TRY(moved, run.cluster().move(1, 0));
    if (moved.term != settled.term) {
        return run.failure("the move committed in term " + std::to_string(settled.term),
                           "term " + std::to_string(moved.term));
    }
    run.observe("move committed at index " + std::to_string(moved.index) + " in term "
                + std::to_string(moved.term) + "; lead " + point_text(moved.lead));
    return util::Ok{};
}

util::Status run_leader_crash(LessonRun& run)
{
    run.step("The convoy moves under its leader",
             "The leader appends each move to its log, replicates it, and answers once a "
             "majority has it. Two moves now.");
    RE_TRY(leader, steady_leader(run));
    RE_TRY(first, run.cluster().move(1, 0));
    RE_TRY(second, run.cluster().move(1, 0));
    (void)first;
    run.observe("node " + std::to_string(leader.id) + " (term " + std::to_string(leader.term)
                + ") committed both; lead " + point_text(second.lead) + " at index "
                + std::to_string(second.index));

    run.step("The leader crashes",
             "The leader's process dies. Its followers stop hearing heartbeats; after an election "
             "timeout one of them campaigns. Only a node whose log holds every committed entry "
             "can win, because a majority must vote for it and every committed entry is on a "
             "majority.");
    const auto crashed_at = std::chrono::steady_clock::now();
    RE_TRY(crashed, run.cluster().fault(json{{"kind", "crash"}, {"target", json::array({leader.id})},
                                             {"for_ms", 60000}}));
    (void)crashed;
    RE_TRY(successor, new_leader(run, leader.term, leader.id));
    const auto took = std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::now()
                                                               - crashed_at);
    run.observe("node " + std::to_string(successor.id) + " leads term "
                + std::to_string(successor.term) + ", about " + std::to_string(took.count())
                + " ms after the crash (as the proxy saw it)");

    run.step("The new leader carries on where the old one stopped",
             "The new leader has every committed move, so the convoy goes on from the same lead "
             "point; the next move adds one more.");
    RE_TRY(third, run.cluster().move(1, 0));
    if (!second.lead.is_array() || !third.lead.is_array() || second.lead.size() != 2
        || third.lead.size() != 2 || !second.lead[0].is_number_integer()
        || !third.lead[0].is_number_integer()
        || third.lead[0].get<std::int64_t>() != second.lead[0].get<std::int64_t>() + 1
        || third.lead[1] != second.lead[1]) {
        return run.failure("the lead one step on from " + point_text(second.lead),
                           point_text(third.lead));
    }
    if (third.term <= leader.term) {
        return run.failure("the move committed in the new term",
                           "term " + std::to_string(third.term));
    }
    run.observe("lead " + point_text(second.lead) + " -> " + point_text(third.lead)
                + ", committed in term " + std::to_string(third.term) + " at index "
                + std::to_string(third.index));

    run.step("The old leader comes back as a follower",
             "When the crashed node restarts it still believes in its old term. The first "
             "message from the new leader carries a higher term, so it becomes a follower, and "
             "the leader fills in the entries it missed.");
    RE_TRY(recovered, run.cluster().heal({leader.id}));
    (void)recovered;
    RE_TRY(caught_up, wait_committed_on(run, leader.id, third.index, third.term));
    (void)caught_up;
    const std::uint64_t old_id = leader.id;
    const std::uint64_t new_id = successor.id;
    const std::function<util::Result<NodeState>()> following =
        [&run, old_id, new_id]() -> util::Result<NodeState> {
        RE_TRY(node, run.cluster().node(old_id));
        if (node.role != "follower" || node.leader != new_id) {
            return not_yet("node " + std::to_string(old_id) + " is " + node.role
                           + ", following node " + std::to_string(node.leader));
        }
        return node;
    };
    RE_TRY(old, run.wait_for<NodeState>("node " + std::to_string(old_id) + " following node "
                                            + std::to_string(new_id),
                                        k_settle_wait, following));
    run.observe("node " + std::to_string(leader.id) + " is a follower of node "
                + std::to_string(successor.id) + " in term " + std::to_string(old.term)
                + " and holds index " + std::to_string(third.index));
    return util::Ok{};
}

util::Status run_split_vote(LessonRun& run)
{
    run.step("The cluster before",
             "Election timeouts are random so that usually one follower times out first and "
             "wins before anyone else campaigns. This lesson takes that away: every message "
             "will travel longer than an election timeout.");
    RE_TRY(leader, steady_leader(run));
    const std::int64_t timeout_ms = election_timeout_ms(leader);
    // Longer than the longest randomized timeout (2x), so every follower
    // times out before any vote request reaches it.
    const std::int64_t delay_ms = 2 * timeout_ms + 200;
    run.observe("node " + std::to_string(leader.id) + " leads term " + std::to_string(leader.term)
                + "; election timeout " + std::to_string(timeout_ms) + " to "
                + std::to_string(2 * timeout_ms) + " ms");

    std::vector<std::uint64_t> followers;
    for (std::uint64_t voter : leader.voters) {
        if (voter != leader.id) {
            followers.push_back(voter);
        }
    }
    run.step("Slow every message, then crash the leader",
             "Every message now waits " + std::to_string(delay_ms)
                 + " ms. The leader crashes. Each follower times out and campaigns before the "
                   "others' vote requests arrive, so each has already voted for itself in the "
                   "term and refuses the rest: no one gets a majority. That is a split vote; the "
                   "candidates time out again and try a higher term.");
    RE_TRY(delayed, run.cluster().fault(json{{"kind", "delay"},
                                             {"target", followers},
                                             {"delay_ms", delay_ms},
                                             {"jitter_ms", 0},
                                             {"for_ms", 60000}}));
    (void)delayed;
    RE_TRY(crashed, run.cluster().fault(json{{"kind", "crash"}, {"target", json::array({leader.id})},
                                             {"for_ms", 60000}}));
    (void)crashed;

    run.step("Votes split, terms climb",
             "The record of elections shows terms in which two or more candidates campaigned "
             "and none won.");
    const std::uint64_t term_before = leader.term;
    const std::function<util::Result<std::string>()> split = [&run,
                                                             term_before]() -> util::Result<std::string> {
        RE_TRY(elections, run.cluster().elections());
        for (const std::string& term_text : keys_in_order(elections)) {
            const std::uint64_t term = std::strtoull(term_text.c_str(), nullptr, 10);
            if (term <= term_before) {
                continue;
            }
            const json& candidacies = as_list(elections[term_text]);
            bool won = false;
            std::string candidates;
            for (const json& candidacy : candidacies) {
                won = won || field_text(candidacy, "outcome") == "won";
                const std::size_t votes = granted_votes(candidacy) + 1;
                candidates += (candidates.empty() ? "" : ", ") + field_text(candidacy, "candidate")
                              + " (" + std::to_string(votes) + " vote" + (votes == 1 ? "" : "s")
                              + ")";
            }
            if (!won && candidacies.size() >= 2) {
                return "term " + term_text + ": candidates " + candidates + ", no winner";
            }
        }
        return not_yet("no term above " + std::to_string(term_before)
                       + " with two candidates and no winner in the record");
    };
    RE_TRY(seen, run.wait_for<std::string>("a split vote", k_settle_wait, split, Milliseconds(200)));
    run.observe(seen);

    run.step("Messages fast again: one candidate wins",
             "With the delay gone, the randomized timeouts work again: one candidate times out "
             "first, asks, and gets a majority before anyone else campaigns.");
    RE_TRY(healed, run.cluster().heal(followers));
    (void)healed;
    RE_TRY(winner, new_leader(run, term_before, leader.id));
    const std::function<util::Result<std::string>()> recorded = [&run, &winner] {
        return won_election_text(run, winner);
    };
    RE_TRY(won, run.wait_for<std::string>("the registry to record the election of term "
                                              + std::to_string(winner.term),
                                          Milliseconds(5000), recorded));
    run.observe(won + ", " + std::to_string(winner.term - term_before)
                + " terms after the crash");

    run.step("The crashed leader rejoins",
             "The old leader restarts, sees a higher term and follows.");
    RE_TRY(recovered, run.cluster().heal({leader.id}));
    (void)recovered;
    RE_TRY(settled, steady_leader(run));
    run.observe("node " + std::to_string(settled.id) + " leads term " + std::to_string(settled.term)
                + " with every voter following");
    return util::Ok{};
}

} // namespace raftescort::ctl::lesson
