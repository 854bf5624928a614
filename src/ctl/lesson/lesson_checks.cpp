#include "ctl/lesson/lesson_checks.hpp"

#include "ctl/format.hpp"

#include <functional>

namespace raftescort::ctl::lesson {

std::size_t majority_of(std::size_t voters) { return voters / 2 + 1; }

util::Error not_yet(const std::string& what)
{
    return util::make_error(util::ErrorCode::unavailable, what);
}

util::Result<NodeState> steady_leader(LessonRun& run)
{
    const std::function<util::Result<NodeState>()> probe = [&run]() -> util::Result<NodeState> {
        RE_TRY(nodes, run.cluster().nodes());
        RE_TRY(leader, run.cluster().leader());
        for (std::uint64_t voter : leader.voters) {
            const NodeState* seen = nullptr;
            for (const NodeState& node : nodes) {
                seen = node.id == voter ? &node : seen;
            }
            if (seen == nullptr || !seen->running() || seen->term != leader.term
                || (seen->id != leader.id && seen->leader != leader.id)) {
                return not_yet("voters not all following node " + std::to_string(leader.id)
                               + " in term " + std::to_string(leader.term) + ": "
                               + nodes_text(nodes));
            }
        }
        return leader;
    };
    return run.wait_for<NodeState>("a leader followed by every voter", k_settle_wait, probe);
}

util::Result<NodeState> new_leader(LessonRun& run, std::uint64_t above_term,
                                   std::uint64_t other_than)
{
    const std::function<util::Result<NodeState>()> probe =
        [&run, above_term, other_than]() -> util::Result<NodeState> {
        RE_TRY(nodes, run.cluster().nodes());
        for (const NodeState& node : nodes) {
            if (!node.running() || node.role != "leader" || node.term <= above_term
                || node.id == other_than) {
                continue;
            }
            std::size_t following = 0;
            for (const NodeState& voter : nodes) {
                following += voter.running() && voter.term == node.term
                                     && (voter.leader == node.id || voter.id == node.id)
                                     && node.is_voter(voter.id)
                                 ? 1
                                 : 0;
            }
            if (following >= majority_of(node.voters.size())) {
                return node;
            }
        }
        return not_yet(nodes_text(nodes));
    };
    std::string expected = "a leader in a term above " + std::to_string(above_term);
    if (other_than != 0) {
        expected += " other than node " + std::to_string(other_than);
    }
    return run.wait_for<NodeState>(expected + ", followed by a majority", k_settle_wait, probe);
}

util::Result<NodeState> some_follower(LessonRun& run, const NodeState& leader)
{
    RE_TRY(nodes, run.cluster().nodes());
    for (const NodeState& node : nodes) {
        if (node.id != leader.id && node.running() && leader.is_voter(node.id)) {
            return node;
        }
    }
    return run.failure("a running voter besides the leader", nodes_text(nodes));
}

util::Status wait_committed_on(LessonRun& run, std::uint64_t id, std::uint64_t index,
                               std::uint64_t term)
{
    const std::function<util::Result<util::Ok>()> probe = [&run, id, index,
                                                             term]() -> util::Result<util::Ok> {
        RE_TRY(window, run.cluster().raft_log(id, index, 1));
        const LogEntrySeen* entry = window.find(index);
        if (entry == nullptr) {
            return not_yet("node " + std::to_string(id) + " has no entry " + std::to_string(index)
                           + " (commit " + std::to_string(window.commit_index) + ")");
        }
        if (entry->term != term || window.commit_index < index) {
            return not_yet("node " + std::to_string(id) + " holds index " + std::to_string(index)
                           + " in term " + std::to_string(entry->term) + ", commit "
                           + std::to_string(window.commit_index));
        }
        return util::Ok{};
    };
    RE_TRY(done, run.wait_for<util::Ok>("node " + std::to_string(id) + " to hold and commit index "
                                            + std::to_string(index) + " of term "
                                            + std::to_string(term),
                                        k_settle_wait, probe));
    (void)done;
    return util::Ok{};
}

std::string point_text(const nlohmann::json& point) { return value_text(point); }

} // namespace raftescort::ctl::lesson
