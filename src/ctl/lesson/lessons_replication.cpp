// The lessons about the log: log-replication, minority-leader, snapshot.

#include "ctl/format.hpp"
#include "ctl/lesson/lesson_checks.hpp"
#include "ctl/lesson/lessons.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace raftescort::ctl::lesson {

namespace {

using nlohmann::json;

json one_id(std::uint64_t id) { return json::array({id}); }

/// Every running voter of `leader` applied at least `index` and shows the
/// same lead point.
util::Result<std::string> same_state(LessonRun& run, const NodeState& leader, std::uint64_t index)
{
    const std::function<util::Result<std::string>()> probe =
        [&run, &leader, index]() -> util::Result<std::string> {
        RE_TRY(nodes, run.cluster().nodes());
        json lead;
        std::size_t agreeing = 0;
        for (const NodeState& node : nodes) {
            if (!leader.is_voter(node.id)) {
                continue;
            }
            if (!node.running() || node.applied_index < index) {
                return not_yet("node " + std::to_string(node.id) + " applied "
                               + std::to_string(node.applied_index) + " of " + std::to_string(index));
            }
            if (agreeing > 0 && node.lead != lead) {
                return not_yet("node " + std::to_string(node.id) + " has lead "
                               + point_text(node.lead) + ", another " + point_text(lead));
            }
            lead = node.lead;
            ++agreeing;
        }
        return std::to_string(agreeing) + " voters applied index " + std::to_string(index)
               + " and show lead " + point_text(lead);
    };
    return run.wait_for<std::string>("every voter at the same state", k_settle_wait, probe);
}

} // namespace

util::Status run_log_replication(LessonRun& run)
{
    run.step("The log",
             "Each node keeps a log of commands, numbered by index and stamped with the term "
             "of the leader that created them. Only the leader adds entries; an entry is "
             "committed once a majority holds it, and only committed entries are applied to the "
             "convoy. Watch the Raft log view on the dashboard.");
    RE_TRY(leader, steady_leader(run));
    run.observe("node " + std::to_string(leader.id) + " leads term " + std::to_string(leader.term)
                + "; commit index " + std::to_string(leader.commit_index));

    run.step("A move becomes an entry",
             "The leader appends the move to its own log, sends it to every follower in an "
             "append message, and answers the client only when a majority has written it to "
             "disk.");
    RE_TRY(moved, run.cluster().move(1, 0));
    RE_TRY(on_leader, wait_committed_on(run, leader.id, moved.index, moved.term));
    (void)on_leader;
    run.observe("index " + std::to_string(moved.index) + ", term " + std::to_string(moved.term)
                + ": committed on the leader; lead " + point_text(moved.lead));

    run.step("Every follower holds the same entry",
             "Followers append what the leader sends after checking that their log matches the "
             "leader's at the entry before. The leader's next heartbeat carries the new commit "
             "index, and they apply the move too.");
    for (std::uint64_t voter : leader.voters) {
        RE_TRY(held, wait_committed_on(run, voter, moved.index, moved.term));
        (void)held;
    }
    run.observe("nodes " + id_list_text(leader.voters) + " hold index "
                + std::to_string(moved.index) + " of term " + std::to_string(moved.term)
                + ", committed");

    RE_TRY(follower, some_follower(run, leader));
    run.step("A majority is enough",
             "Node " + std::to_string(follower.id)
                 + " is cut off from the others. The leader still commits: "
                 + std::to_string(majority_of(leader.voters.size())) + " of "
                 + std::to_string(leader.voters.size())
                 + " nodes is a majority. The cut-off follower falls behind.");
    RE_TRY(isolated, run.cluster().fault(json{{"kind", "isolate"}, {"target", one_id(follower.id)},
                                              {"for_ms", 60000}}));
    (void)isolated;
    MoveSeen last;
    for (int move = 0; move < 3; ++move) {
        RE_TRY(next, run.cluster().move(1, 0));
        last = next;
    }
    RE_TRY(behind, run.cluster().raft_log(follower.id, std::nullopt, 1));
    if (behind.last_index >= last.index) {
        return run.failure("node " + std::to_string(follower.id) + " to lack index "
                               + std::to_string(last.index) + " while cut off",
                           "its log ends at " + std::to_string(behind.last_index));
    }
    run.observe("committed up to index " + std::to_string(last.index) + " without node "
                + std::to_string(follower.id) + ", whose log ends at "
                + std::to_string(behind.last_index));

    run.step("The leader repairs the follower's log",
             "Back in contact, the follower answers the next append with a mismatch; the leader "
             "steps back to where their logs agree and sends everything from there.");
    RE_TRY(healed, run.cluster().heal(std::vector<std::uint64_t>{follower.id}));
    (void)healed;
    RE_TRY(repaired, wait_committed_on(run, follower.id, last.index, last.term));
    (void)repaired;
    RE_TRY(same, same_state(run, leader, last.index));
    run.observe("node " + std::to_string(follower.id) + " holds index "
                + std::to_string(last.index) + " again; " + same);
    return util::Ok{};
}

util::Status run_minority_leader(LessonRun& run)
{
    run.step("A leader and its term",
             "A leader that is cut off from the majority does not know it at first: it goes on "
             "accepting commands, appends them to its log, and cannot commit them.");
    RE_TRY(leader, steady_leader(run));
    run.observe("node " + std::to_string(leader.id) + " leads term " + std::to_string(leader.term)
                + ", log up to index " + std::to_string(leader.last_index));

    run.step("Cut the leader off, with a move in hand",
             "Node " + std::to_string(leader.id)
                 + " is isolated, and a move is sent to it at once. It appends the move at the "
                   "end of its log in term "
                 + std::to_string(leader.term)
                 + ", but no follower hears of it, so it stays uncommitted.");
    RE_TRY(isolated, run.cluster().fault(json{{"kind", "isolate"}, {"target", one_id(leader.id)},
                                              {"for_ms", 60000}}));
    (void)isolated;
    RE_TRY(side_client, run.open_client());
    // The proxy still sees node `leader` as the leader and forwards the move
    // there; its answer (the proxy retries it elsewhere in time) does not
    // matter here, only the entry left in the old leader's log.
    std::jthread stray_move([client = side_client.get()] {
        ClusterProbe probe(*client);
        (void)probe.move(1, 0);
    });
    const std::uint64_t old_term = leader.term;
    const std::uint64_t old_id = leader.id;
    const std::function<util::Result<LogEntrySeen>()> stranded =
        [&run, old_id, old_term]() -> util::Result<LogEntrySeen> {
        RE_TRY(window, run.cluster().raft_log(old_id, std::nullopt, 5));
        for (const LogEntrySeen& entry : window.entries) {
            if (entry.term == old_term && entry.kind == "move" && entry.index > window.commit_index) {
                return entry;
            }
        }
        return not_yet("node " + std::to_string(old_id) + "'s log ends at "
                       + std::to_string(window.last_index) + ", commit "
                       + std::to_string(window.commit_index));
    };
    RE_TRY(entry, run.wait_for<LogEntrySeen>("an uncommitted move of term "
                                                 + std::to_string(old_term) + " on node "
                                                 + std::to_string(old_id),
                                             Milliseconds(3000), stranded, Milliseconds(50)));
    run.observe("node " + std::to_string(old_id) + " holds index " + std::to_string(entry.index)
                + " (term " + std::to_string(entry.term) + ", move) uncommitted");

    run.step("The majority elects a new leader and goes on",
             "The others stop hearing the old leader, elect a new one in a higher term, and "
             "commit new moves at the same indexes the old leader used.");
    RE_TRY(successor, new_leader(run, old_term, old_id));
    MoveSeen last;
    for (int move = 0; move < 2; ++move) {
        RE_TRY(next, run.cluster().move(1, 0));
        last = next;
    }
    RE_TRY(majority_entry, run.cluster().raft_log(successor.id, entry.index, 1));
    const LogEntrySeen* replacement = majority_entry.find(entry.index);
    if (replacement == nullptr || replacement->term <= old_term) {
        return run.failure("index " + std::to_string(entry.index) + " on node "
                               + std::to_string(successor.id) + " in a term above "
                               + std::to_string(old_term),
                           replacement == nullptr
                               ? "no such entry"
                               : "term " + std::to_string(replacement->term));
    }
    run.observe("node " + std::to_string(successor.id) + " leads term "
                + std::to_string(successor.term) + "; its index " + std::to_string(entry.index)
                + " is term " + std::to_string(replacement->term) + " (" + replacement->kind
                + "), committed up to " + std::to_string(last.index));

    run.step("Heal: the old leader's entry is replaced",
             "When the partition heals, the old leader hears the higher term and steps down. "
             "Its entry at index " + std::to_string(entry.index)
                 + " conflicts with the leader's, so it is deleted and replaced. It was never "
                   "committed, so no client was told it was applied; the proxy, which had no "
                   "answer, may have sent the move again to the new leader under the same "
                   "client id, which applies it once.");
    RE_TRY(healed, run.cluster().heal(std::vector<std::uint64_t>{old_id}));
    (void)healed;
    const std::uint64_t index = entry.index;
    const std::uint64_t new_term = replacement->term;
    const std::function<util::Result<std::string>()> replaced =
        [&run, old_id, index, old_term, new_term]() -> util::Result<std::string> {
        RE_TRY(window, run.cluster().raft_log(old_id, index, 1));
        const LogEntrySeen* now = window.find(index);
        if (now == nullptr || now->term != new_term) {
            return not_yet("node " + std::to_string(old_id) + "'s index " + std::to_string(index)
                           + " is "
                           + (now == nullptr ? "gone" : "term " + std::to_string(now->term)));
        }
        for (const OverwrittenSeen& lost : window.overwritten) {
            if (lost.index == index && lost.term == old_term) {
                return "node " + std::to_string(old_id) + ": index " + std::to_string(index)
                       + " (term " + std::to_string(old_term) + ") replaced by term "
                       + std::to_string(new_term);
            }
        }
        return not_yet("node " + std::to_string(old_id) + " lists no overwritten index "
                       + std::to_string(index) + " of term " + std::to_string(old_term));
    };
    RE_TRY(seen, run.wait_for<std::string>("the old leader's entry replaced by the new leader's",
                                           k_settle_wait, replaced));
    run.observe(seen);

    run.step("One history",
             "Every node now holds the same log and the same convoy; the old leader follows.");
    stray_move.join();
    RE_TRY(same, same_state(run, successor, last.index));
    run.observe(same);
    return util::Ok{};
}

util::Status run_snapshot(LessonRun& run)
{
    run.step("A follower goes down",
             "A log cannot grow forever. Each node takes a snapshot of the convoy's state every "
             "so many entries and discards the log before it. A follower that was away for long "
             "then needs entries the leader no longer has.");
    RE_TRY(leader, steady_leader(run));
    RE_TRY(follower, some_follower(run, leader));
    RE_TRY(crashed, run.cluster().fault(json{{"kind", "crash"}, {"target", one_id(follower.id)},
                                             {"for_ms", 600000}}));
    (void)crashed;
    const std::uint64_t follower_end = follower.last_index;
    run.observe("node " + std::to_string(follower.id) + " crashed with its log ending at index "
                + std::to_string(follower_end) + "; the leader's snapshot is at index "
                + std::to_string(leader.snapshot_index));

    run.step("The log grows and the leader compacts it",
             "Moves go on (one step forward, one back, so the convoy stays put) until the leader "
             "has taken a snapshot past the crashed follower's last entry and discarded the log "
             "before it.");
    constexpr int k_senders = 8;
    constexpr std::uint64_t k_moves_max = 40000;
    std::atomic<std::uint64_t> sent{0};
    std::atomic<bool> stop{false};
    std::mutex failure_mutex;
    std::string failure;
    std::vector<std::unique_ptr<ProxyClient>> clients;
    for (int sender = 0; sender < k_senders; ++sender) {
        RE_TRY(client, run.open_client());
        clients.push_back(std::move(client));
    }
    {
        std::vector<std::jthread> senders;
        for (int sender = 0; sender < k_senders; ++sender) {
            senders.emplace_back([&, client = clients[static_cast<std::size_t>(sender)].get()] {
                ClusterProbe probe(*client);
                while (!stop.load() && sent.load() < k_moves_max) {
                    for (std::int64_t dx : {1, -1}) {
                        util::Result<MoveSeen> moved = probe.move(dx, 0);
                        if (!moved.ok()) {
                            std::lock_guard lock(failure_mutex);
                            failure = moved.error().message;
                            stop = true;
                            return;
                        }
                        ++sent;
                    }
                }
            });
        }
        const auto deadline = std::chrono::steady_clock::now() + run.scaled(Milliseconds(180000));
        std::uint64_t reported = 0;
        while (!stop.load()) {
            std::this_thread::sleep_for(Milliseconds(250));
            util::Result<LogWindowSeen> window = run.cluster().raft_log(leader.id, std::nullopt, 1);
            if (window.ok() && window.value().first_index > follower_end + 1) {
                break;
            }
            if (sent.load() >= reported + 2000) {
                reported = sent.load() / 2000 * 2000;
                run.note(std::to_string(reported) + " moves sent");
            }
            if (sent.load() >= k_moves_max || std::chrono::steady_clock::now() > deadline) {
                stop = true;
                std::lock_guard lock(failure_mutex);
                failure = "no compaction past index " + std::to_string(follower_end) + " after "
                          + std::to_string(sent.load()) + " moves";
            }
        }
        stop = true;
    }
    if (!failure.empty()) {
        return run.failure("the leader to compact its log past index "
                               + std::to_string(follower_end),
                           failure);
    }
    RE_TRY(compacted, run.cluster().raft_log(leader.id, std::nullopt, 1));
    run.observe(std::to_string(sent.load()) + " moves; the leader's snapshot is at index "
                + std::to_string(compacted.snapshot_index) + " and its log starts at "
                + std::to_string(compacted.first_index) + ", past node "
                + std::to_string(follower.id) + "'s " + std::to_string(follower_end));

    run.step("The follower comes back and gets a snapshot",
             "The leader cannot send entries it discarded, so it sends its snapshot instead, in "
             "chunks. The follower replaces its state with it and takes the log from there.");
    RE_TRY(recovered, run.cluster().heal(std::vector<std::uint64_t>{follower.id}));
    (void)recovered;
    const std::uint64_t needed = compacted.snapshot_index;
    const std::uint64_t id = follower.id;
    const std::function<util::Result<NodeState>()> installed =
        [&run, id, needed]() -> util::Result<NodeState> {
        RE_TRY(node, run.cluster().node(id));
        if (!node.running() || node.snapshot_index < needed) {
            return not_yet("node " + std::to_string(id) + " is " + node.role + " with a snapshot at "
                           + std::to_string(node.snapshot_index));
        }
        return node;
    };
    RE_TRY(caught, run.wait_for<NodeState>("node " + std::to_string(id)
                                               + " to hold a snapshot at index "
                                               + std::to_string(needed) + " or later",
                                           Milliseconds(30000), installed));
    run.observe("node " + std::to_string(id) + " holds a snapshot at index "
                + std::to_string(caught.snapshot_index) + " (it had the log only up to "
                + std::to_string(follower_end) + ")");

    run.step("Caught up",
             "After the snapshot, ordinary appends bring the follower to the leader's commit "
             "index, and its convoy matches everyone's.");
    RE_TRY(moved, run.cluster().move(1, 0));
    RE_TRY(same, same_state(run, leader, moved.index));
    run.observe(same);
    return util::Ok{};
}

} // namespace raftescort::ctl::lesson
