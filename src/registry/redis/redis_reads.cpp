// The Registry's read side, for the proxy: synchronous, Result-returning,
// decoding the schema documented in registry.hpp.

#include "registry/redis/registry_impl.hpp"

#include <raftescort/util/decimal.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>

namespace raftescort::registry {

namespace {

using util::ErrorCode;
using util::make_error;
using Fields = std::map<std::string, std::string>;

// A missing field reads as 0 and a garbled one as the number it starts with
// (or 0): a read decodes leniently rather than fail on one bad field.
std::uint64_t to_u64(std::string_view text)
{
    return util::take_decimal<std::uint64_t>(text).value_or(0);
}

std::int64_t to_i64(std::string_view text)
{
    return util::take_decimal<std::int64_t>(text).value_or(0);
}

// HGETALL and stream entries both answer field, value, field, value, ...
Fields to_fields(const redisReply* reply)
{
    Fields fields;
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
        return fields;
    }
    for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
        fields[reply_string(reply->element[i])] = reply_string(reply->element[i + 1]);
    }
    return fields;
}

std::vector<std::string> to_strings(const redisReply* reply)
{
    std::vector<std::string> strings;
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
        return strings;
    }
    for (std::size_t i = 0; i < reply->elements; ++i) {
        strings.push_back(reply_string(reply->element[i]));
    }
    return strings;
}

NodeRegistration to_registration(const Fields& fields)
{
    NodeRegistration node;
    auto get = [&](const char* name) {
        auto found = fields.find(name);
        return found == fields.end() ? std::string() : found->second;
    };
    node.id = raft::NodeId{to_u64(get("id"))};
    node.address = get("name");
    node.role = get("role");
    node.term = raft::Term{to_u64(get("term"))};
    node.timestamp_ms = to_i64(get("timestamp_ms"));
    node.ttl_ms = 0;
    return node;
}

// Fields are "candidate:<c>" -> outcome and "ballot:<c>:<voter>" -> value.
ElectionRecord to_election(raft::Term term, const Fields& fields)
{
    std::map<std::uint64_t, CandidacyRecord> candidacies;
    for (const auto& [field, value] : fields) {
        if (field.rfind("candidate:", 0) == 0) {
            std::uint64_t candidate = to_u64(field.substr(10));
            auto& candidacy = candidacies[candidate];
            candidacy.candidate = raft::NodeId{candidate};
            candidacy.outcome = parse_election_outcome(value).value_or(ElectionOutcome::pending);
        } else if (field.rfind("ballot:", 0) == 0) {
            auto colon = field.find(':', 7);
            if (colon == std::string::npos) {
                continue;
            }
            std::uint64_t candidate = to_u64(field.substr(7, colon - 7));
            auto& candidacy = candidacies[candidate];
            candidacy.candidate = raft::NodeId{candidate};
            BallotRecord ballot;
            ballot.voter = raft::NodeId{to_u64(field.substr(colon + 1))};
            ballot.granted = value == "granted";
            if (!ballot.granted && value.rfind("refused:", 0) == 0) {
                ballot.refusal = value.substr(8);
            }
            candidacy.ballots.push_back(ballot);
        }
    }
    ElectionRecord record;
    record.term = term;
    for (auto& [id, candidacy] : candidacies) {
        std::sort(candidacy.ballots.begin(), candidacy.ballots.end(),
                  [](const BallotRecord& a, const BallotRecord& b) { return a.voter < b.voter; });
        record.candidacies.push_back(std::move(candidacy));
    }
    return record;
}

LeaderRecord to_leader(const Fields& fields)
{
    LeaderRecord leader;
    auto get = [&](const char* name) {
        auto found = fields.find(name);
        return found == fields.end() ? std::string() : found->second;
    };
    leader.id = raft::NodeId{to_u64(get("id"))};
    leader.name = get("name");
    leader.term = raft::Term{to_u64(get("term"))};
    leader.votes = static_cast<std::uint32_t>(to_u64(get("votes")));
    leader.voters = static_cast<std::uint32_t>(to_u64(get("voters")));
    leader.timestamp_ms = to_i64(get("timestamp_ms"));
    return leader;
}

} // namespace

util::Result<NodeListing> Registry::list_nodes(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    auto members = impl.read(now_ms, {{"SMEMBERS", impl.key("nodes")}});
    if (!members) {
        return members.error();
    }
    std::vector<std::uint64_t> ids;
    for (const auto& text : to_strings(members.value()[0].get())) {
        ids.push_back(to_u64(text));
    }
    std::sort(ids.begin(), ids.end());
    NodeListing listing;
    if (ids.empty()) {
        return listing;
    }
    std::vector<Command> commands;
    for (auto id : ids) {
        std::string node_key = impl.key("node:" + std::to_string(id));
        commands.push_back({"HGETALL", node_key});
        commands.push_back({"PTTL", node_key});
    }
    auto replies = impl.read(now_ms, commands);
    if (!replies) {
        return replies.error();
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        Fields fields = to_fields(replies.value()[2 * i].get());
        if (fields.empty()) {
            listing.expired.push_back(raft::NodeId{ids[i]});
            continue;
        }
        NodeRegistration node = to_registration(fields);
        // ttl_ms reads back as what remains, so the proxy can show staleness.
        const redisReply* ttl = replies.value()[2 * i + 1].get();
        if (ttl->type == REDIS_REPLY_INTEGER && ttl->integer > 0) {
            node.ttl_ms = static_cast<std::uint64_t>(ttl->integer);
        }
        listing.live.push_back(std::move(node));
    }
    return listing;
}

util::Result<std::vector<ElectionRecord>> Registry::read_elections(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    auto terms = impl.read(now_ms, {{"ZRANGE", impl.key("elections"), "0", "-1"}});
    if (!terms) {
        return terms.error();
    }
    std::vector<std::string> term_texts = to_strings(terms.value()[0].get());
    std::vector<ElectionRecord> records;
    if (term_texts.empty()) {
        return records;
    }
    std::vector<Command> commands;
    for (const auto& term : term_texts) {
        commands.push_back({"HGETALL", impl.key("election:" + term)});
    }
    auto replies = impl.read(now_ms, commands);
    if (!replies) {
        return replies.error();
    }
    for (std::size_t i = 0; i < term_texts.size(); ++i) {
        raft::Term term{to_u64(term_texts[i])};
        records.push_back(to_election(term, to_fields(replies.value()[i].get())));
    }
    return records;
}

util::Result<ElectionRecord> Registry::read_election(std::int64_t now_ms, raft::Term term)
{
    auto& impl = *m_impl;
    auto replies =
        impl.read(now_ms, {{"HGETALL", impl.key("election:" + std::to_string(term.value))}});
    if (!replies) {
        return replies.error();
    }
    Fields fields = to_fields(replies.value()[0].get());
    if (fields.empty()) {
        return make_error(ErrorCode::not_found,
                          "no election recorded for term " + std::to_string(term.value));
    }
    return to_election(term, fields);
}

util::Result<std::vector<LeaderRecord>> Registry::read_leaders(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    auto terms = impl.read(now_ms, {{"ZRANGE", impl.key("leaders"), "0", "-1"}});
    if (!terms) {
        return terms.error();
    }
    std::vector<std::string> term_texts = to_strings(terms.value()[0].get());
    std::vector<LeaderRecord> leaders;
    if (term_texts.empty()) {
        return leaders;
    }
    std::vector<Command> commands;
    for (const auto& term : term_texts) {
        commands.push_back({"HGETALL", impl.key("leader:" + term)});
    }
    auto replies = impl.read(now_ms, commands);
    if (!replies) {
        return replies.error();
    }
    for (const auto& reply : replies.value()) {
        Fields fields = to_fields(reply.get());
        if (!fields.empty()) {
            leaders.push_back(to_leader(fields));
        }
    }
    return leaders;
}

util::Result<LeaderRecord> Registry::read_leader(std::int64_t now_ms, raft::Term term)
{
    auto& impl = *m_impl;
    auto replies =
        impl.read(now_ms, {{"HGETALL", impl.key("leader:" + std::to_string(term.value))}});
    if (!replies) {
        return replies.error();
    }
    Fields fields = to_fields(replies.value()[0].get());
    if (fields.empty()) {
        return make_error(ErrorCode::not_found,
                          "no leader recorded for term " + std::to_string(term.value));
    }
    return to_leader(fields);
}

util::Result<std::vector<Event>> Registry::read_events(std::int64_t now_ms, std::size_t count)
{
    RE_ASSERT(count > 0);
    auto& impl = *m_impl;
    auto replies = impl.read(
        now_ms, {{"XREVRANGE", impl.key("events"), "+", "-", "COUNT", std::to_string(count)}});
    if (!replies) {
        return replies.error();
    }
    const redisReply* entries = replies.value()[0].get();
    std::vector<Event> events;
    if (entries->type != REDIS_REPLY_ARRAY) {
        return events;
    }
    // XREVRANGE answers newest first; callers read history oldest first.
    for (std::size_t i = entries->elements; i > 0; --i) {
        const redisReply* entry = entries->element[i - 1];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) {
            continue;
        }
        Fields fields = to_fields(entry->element[1]);
        Event event;
        event.stream_id = reply_string(entry->element[0]);
        event.kind = parse_event_kind(fields["kind"]).value_or(EventKind::role_change);
        event.node = raft::NodeId{to_u64(fields["node"])};
        event.term = raft::Term{to_u64(fields["term"])};
        event.index = raft::Index{to_u64(fields["index"])};
        event.detail = fields["detail"];
        event.timestamp_ms = to_i64(fields["timestamp_ms"]);
        events.push_back(std::move(event));
    }
    return events;
}

} // namespace raftescort::registry
