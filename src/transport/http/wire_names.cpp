// Wire spellings of enum values; see wire_names.hpp.

#include "transport/http/wire_names.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::transport::http::wire {
namespace {

constexpr raft::MessageType k_message_types[] = {
    raft::MessageType::pre_vote,    raft::MessageType::pre_vote_response,
    raft::MessageType::vote,        raft::MessageType::vote_response,
    raft::MessageType::append,      raft::MessageType::append_response,
    raft::MessageType::heartbeat,   raft::MessageType::heartbeat_response,
    raft::MessageType::snapshot,    raft::MessageType::snapshot_response,
    raft::MessageType::timeout_now,
};

constexpr raft::EntryType k_entry_types[] = {raft::EntryType::normal, raft::EntryType::leader_noop,
                                             raft::EntryType::conf_change};

constexpr raft::VoteRefusal k_vote_refusals[] = {
    raft::VoteRefusal::none,      raft::VoteRefusal::lower_term,   raft::VoteRefusal::already_voted,
    raft::VoteRefusal::stale_log, raft::VoteRefusal::leader_alive, raft::VoteRefusal::not_member,
};

} // namespace

std::string_view message_type_name(raft::MessageType type)
{
    // The core's names are already identifiers ("append_response"); they are
    // the wire names, and the round-trip tests pin every one of them.
    std::string_view name = raft::message_type_name(type);
    RE_ASSERT(name != "unknown");
    return name;
}

std::optional<raft::MessageType> parse_message_type(std::string_view name)
{
    for (raft::MessageType type : k_message_types) {
        if (wire::message_type_name(type) == name) {
            return type;
        }
    }
    return std::nullopt;
}

std::string_view entry_type_name(raft::EntryType type)
{
    switch (type) {
    case raft::EntryType::normal: return "normal";
    case raft::EntryType::leader_noop: return "leader_noop";
    case raft::EntryType::conf_change: return "conf_change";
    }
    RE_ASSERT(false);
    return {};
}

std::optional<raft::EntryType> parse_entry_type(std::string_view name)
{
    for (raft::EntryType type : k_entry_types) {
        if (wire::entry_type_name(type) == name) {
            return type;
        }
    }
    return std::nullopt;
}

std::string_view vote_refusal_name(raft::VoteRefusal refusal)
{
    switch (refusal) {
    case raft::VoteRefusal::none: return "none";
    case raft::VoteRefusal::lower_term: return "lower_term";
    case raft::VoteRefusal::already_voted: return "already_voted";
    case raft::VoteRefusal::stale_log: return "stale_log";
    case raft::VoteRefusal::leader_alive: return "leader_alive";
    case raft::VoteRefusal::not_member: return "not_member";
    }
    RE_ASSERT(false);
    return {};
}

std::optional<raft::VoteRefusal> parse_vote_refusal(std::string_view name)
{
    for (raft::VoteRefusal refusal : k_vote_refusals) {
        if (wire::vote_refusal_name(refusal) == name) {
            return refusal;
        }
    }
    return std::nullopt;
}

} // namespace raftescort::transport::http::wire
