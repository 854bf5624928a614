#include <raftescort/raft/message.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace raftescort::raft {

// Encoding: "<type> <node> <context>", type and node in decimal. Text keeps
// committed log entries readable in traces and in `ctl logs`.
std::string encode_conf_change(const ConfChange& change)
{
    std::string out = std::to_string(static_cast<unsigned>(change.type));
    out += ' ';
    out += std::to_string(change.node.value);
    out += ' ';
    out += change.context;
    return out;
}

bool decode_conf_change(const std::string& data, ConfChange& change)
{
    std::string_view rest = data;
    std::optional<std::uint64_t> type = util::take_decimal<std::uint64_t>(rest);
    if (!type || *type > 2) {
        return false;
    }
    if (rest.empty() || rest.front() != ' ') {
        return false;
    }
    rest.remove_prefix(1);
    std::optional<std::uint64_t> node = util::take_decimal<std::uint64_t>(rest);
    if (!node || *node == 0) {
        return false;
    }
    if (rest.empty() || rest.front() != ' ') {
        return false;
    }
    change.type = static_cast<ConfChangeType>(*type);
    change.node = NodeId{*node};
    change.context = std::string(rest.substr(1));
    return true;
}

ConfState apply_conf_change(const ConfState& conf, const ConfChange& change)
{
    ConfState next_conf = conf;
    switch (change.type) {
    case ConfChangeType::add_learner:
        // Adding a node that is already a voter leaves it a voter.
        if (next_conf.voters.count(change.node) == 0) {
            next_conf.learners.insert(change.node);
        }
        break;
    case ConfChangeType::promote_voter:
        next_conf.learners.erase(change.node);
        next_conf.voters.insert(change.node);
        break;
    case ConfChangeType::remove_node:
        next_conf.learners.erase(change.node);
        next_conf.voters.erase(change.node);
        break;
    }
    RE_ASSERT(
        !(next_conf.voters.count(change.node) > 0 && next_conf.learners.count(change.node) > 0));
    return next_conf;
}

const char* role_name(Role role)
{
    switch (role) {
    case Role::follower: return "follower";
    case Role::pre_candidate: return "pre-candidate";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
    }
    return "unknown";
}

const char* message_type_name(MessageType type)
{
    switch (type) {
    case MessageType::pre_vote: return "pre_vote";
    case MessageType::pre_vote_response: return "pre_vote_response";
    case MessageType::vote: return "vote";
    case MessageType::vote_response: return "vote_response";
    case MessageType::append: return "append";
    case MessageType::append_response: return "append_response";
    case MessageType::heartbeat: return "heartbeat";
    case MessageType::heartbeat_response: return "heartbeat_response";
    case MessageType::snapshot: return "snapshot";
    case MessageType::snapshot_response: return "snapshot_response";
    case MessageType::timeout_now: return "timeout_now";
    }
    return "unknown";
}

const char* vote_refusal_name(VoteRefusal refusal)
{
    switch (refusal) {
    case VoteRefusal::none: return "granted";
    case VoteRefusal::lower_term: return "lower term";
    case VoteRefusal::already_voted: return "already voted";
    case VoteRefusal::stale_log: return "stale log";
    case VoteRefusal::leader_alive: return "leader alive";
    case VoteRefusal::not_member: return "not a member";
    }
    return "unknown";
}

} // namespace raftescort::raft
