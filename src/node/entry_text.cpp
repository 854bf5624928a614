#include "node/entry_text.hpp"

#include <raftescort/util/decimal.hpp>

namespace raftescort::node {

namespace {

const char* conf_change_name(raft::ConfChangeType type)
{
    switch (type) {
    case raft::ConfChangeType::add_learner: return "add_learner";
    case raft::ConfChangeType::promote_voter: return "promote_voter";
    case raft::ConfChangeType::remove_node: return "remove_node";
    }
    return "conf_change";
}

} // namespace

std::optional<raft::NodeId> parse_leader_noop(const raft::Entry& entry)
{
    std::optional<std::uint64_t> id = util::parse_decimal<std::uint64_t>(entry.data);
    if (!id || *id == 0) {
        return std::nullopt;
    }
    return raft::NodeId{*id};
}

const char* entry_type_name(raft::EntryType type)
{
    switch (type) {
    case raft::EntryType::normal: return "normal";
    case raft::EntryType::leader_noop: return "leader_noop";
    case raft::EntryType::conf_change: return "conf_change";
    }
    return "unknown";
}

std::string describe_entry(const raft::Entry& entry)
{
    switch (entry.type) {
    case raft::EntryType::normal: return entry.data;
    case raft::EntryType::leader_noop: {
        std::optional<raft::NodeId> leader = parse_leader_noop(entry);
        return "take_lead " + (leader ? std::to_string(leader->value) : std::string("?"));
    }
    case raft::EntryType::conf_change: {
        raft::ConfChange change;
        if (!raft::decode_conf_change(entry.data, change)) {
            return "conf_change (malformed)";
        }
        std::string text =
            std::string(conf_change_name(change.type)) + " " + std::to_string(change.node.value);
        if (!change.context.empty()) {
            text += " " + change.context;
        }
        return text;
    }
    }
    return "unknown";
}

} // namespace raftescort::node
