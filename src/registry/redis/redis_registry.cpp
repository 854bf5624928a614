// The Registry's write side: records become commands in a bounded outbox,
// and flush() writes them in order, pipelined.

#include "registry/redis/registry_impl.hpp"

#include <raftescort/util/decimal.hpp>

#include <algorithm>
#include <string>
#include <string_view>

namespace raftescort::registry {

namespace {

// Writes the leader of a term once. Returns nil when this call wrote it, or
// the id already recorded, so the caller can tell "same leader again" from
// "a second leader in one term". A script keeps check and write atomic
// across concurrent writers (every node of the cluster may write).
constexpr const char* k_leader_script = R"lua(
local recorded = redis.call('HGET', KEYS[1], 'id')
if recorded then return recorded end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'term', ARGV[3],
           'votes', ARGV[4], 'voters', ARGV[5], 'timestamp_ms', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[3])
return false
)lua";

RecordRank rank_of(RecordKind kind)
{
    switch (kind) {
    case RecordKind::event: return RecordRank::event;
    case RecordKind::registration: return RecordRank::registration;
    case RecordKind::candidacy:
    case RecordKind::ballot:
    case RecordKind::outcome:
    case RecordKind::leader: return RecordRank::history;
    }
    RE_ASSERT(false);
    return RecordRank::history;
}

std::size_t rank_index(RecordRank rank) { return static_cast<std::size_t>(rank); }

} // namespace

Registry::Registry(RegistryOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) { }

Registry::~Registry() = default;

void Registry::register_node(const NodeRegistration& registration)
{
    RE_ASSERT(registration.id != raft::k_no_node);
    RE_ASSERT(registration.ttl_ms > 0);
    auto& impl = *m_impl;
    std::string id = std::to_string(registration.id.value);
    std::string node_key = impl.key("node:" + id);
    PendingRecord record;
    record.kind = RecordKind::registration;
    record.node = registration.id;
    record.term = registration.term;
    record.commands = {
        {"HSET", node_key, "id", id, "name", registration.address, "role", registration.role,
         "term", std::to_string(registration.term.value), "timestamp_ms",
         std::to_string(registration.timestamp_ms)},
        {"PEXPIRE", node_key, std::to_string(registration.ttl_ms)},
        {"SADD", impl.key("nodes"), id},
    };
    impl.enqueue(std::move(record));
}

void Registry::record_candidacy(raft::Term term, raft::NodeId candidate)
{
    RE_ASSERT(candidate != raft::k_no_node);
    auto& impl = *m_impl;
    std::string term_text = std::to_string(term.value);
    PendingRecord record;
    record.kind = RecordKind::candidacy;
    record.term = term;
    // HSETNX: replaying a candidacy must not turn a recorded outcome back
    // into "pending".
    record.commands = {
        {"HSETNX", impl.key("election:" + term_text),
         "candidate:" + std::to_string(candidate.value),
         election_outcome_name(ElectionOutcome::pending)},
        {"ZADD", impl.key("elections"), term_text, term_text},
    };
    impl.enqueue(std::move(record));
}

void Registry::record_ballot(const Ballot& ballot)
{
    RE_ASSERT(ballot.candidate != raft::k_no_node);
    RE_ASSERT(ballot.voter != raft::k_no_node);
    // A granted vote has no refusal reason, and a refusal always has one.
    if (ballot.granted) {
        RE_ASSERT(ballot.refusal == raft::VoteRefusal::none);
    } else {
        RE_ASSERT(ballot.refusal != raft::VoteRefusal::none);
    }
    auto& impl = *m_impl;
    std::string term_text = std::to_string(ballot.term.value);
    std::string candidate = std::to_string(ballot.candidate.value);
    std::string election_key = impl.key("election:" + term_text);
    std::string value = ballot.granted
                            ? std::string("granted")
                            : "refused:" + std::string(raft::vote_refusal_name(ballot.refusal));
    PendingRecord record;
    record.kind = RecordKind::ballot;
    record.term = ballot.term;
    record.commands = {
        {"HSETNX", election_key, "candidate:" + candidate,
         election_outcome_name(ElectionOutcome::pending)},
        {"HSET", election_key, "ballot:" + candidate + ":" + std::to_string(ballot.voter.value),
         value},
        {"ZADD", impl.key("elections"), term_text, term_text},
    };
    impl.enqueue(std::move(record));
}

void Registry::record_outcome(raft::Term term, raft::NodeId candidate, ElectionOutcome outcome)
{
    RE_ASSERT(candidate != raft::k_no_node);
    RE_ASSERT(outcome != ElectionOutcome::pending);
    auto& impl = *m_impl;
    std::string term_text = std::to_string(term.value);
    PendingRecord record;
    record.kind = RecordKind::outcome;
    record.term = term;
    record.commands = {
        {"HSET", impl.key("election:" + term_text), "candidate:" + std::to_string(candidate.value),
         election_outcome_name(outcome)},
        {"ZADD", impl.key("elections"), term_text, term_text},
    };
    impl.enqueue(std::move(record));
}

void Registry::record_leader(const LeaderRecord& leader)
{
    RE_ASSERT(leader.id != raft::k_no_node);
    RE_ASSERT(leader.votes <= leader.voters);
    auto& impl = *m_impl;
    std::string term_text = std::to_string(leader.term.value);
    PendingRecord record;
    record.kind = RecordKind::leader;
    record.node = leader.id;
    record.term = leader.term;
    record.commands = {
        {"EVAL", k_leader_script, "2", impl.key("leader:" + term_text), impl.key("leaders"),
         std::to_string(leader.id.value), leader.name, term_text, std::to_string(leader.votes),
         std::to_string(leader.voters), std::to_string(leader.timestamp_ms)},
    };
    impl.enqueue(std::move(record));
}

void Registry::record_event(const Event& event)
{
    auto& impl = *m_impl;
    PendingRecord record;
    record.kind = RecordKind::event;
    record.term = event.term;
    // MAXLEN ~ lets Redis trim whole stream nodes, far cheaper than exact.
    record.commands = {
        {"XADD", impl.key("events"), "MAXLEN", "~",
         std::to_string(impl.m_options.events_length_max), "*", "kind", event_kind_name(event.kind),
         "node", std::to_string(event.node.value), "term", std::to_string(event.term.value),
         "index", std::to_string(event.index.value), "detail", event.detail, "timestamp_ms",
         std::to_string(event.timestamp_ms)},
    };
    impl.enqueue(std::move(record));
}

void Registry::Impl::enqueue(PendingRecord record)
{
    record.rank = rank_of(record.kind);
    if (record.kind == RecordKind::registration) {
        // Only the newest registration of a node matters; during an outage
        // the refreshes would otherwise fill the outbox.
        for (std::size_t i = 0; i < m_outbox.size(); ++i) {
            const auto& queued = m_outbox[i];
            if (queued.kind == RecordKind::registration && queued.node == record.node) {
                erase_at(i);
                ++m_counters.coalesced;
                break;
            }
        }
    }
    ++m_counters.queued;
    if (m_outbox.size() >= m_options.outbox_records_max) {
        drop_one_for(record.rank);
        ++m_counters.dropped;
        // The incoming record itself was the one to drop.
        if (m_outbox.size() >= m_options.outbox_records_max) {
            return;
        }
    }
    ++m_rank_counts[rank_index(record.rank)];
    m_outbox.push_back(std::move(record));
    RE_ASSERT(m_outbox.size() <= m_options.outbox_records_max);
}

void Registry::Impl::drop_one_for(RecordRank incoming_rank)
{
    RE_ASSERT(!m_outbox.empty());
    std::size_t lowest = 0;
    while (lowest < k_rank_count && m_rank_counts[lowest] == 0) {
        ++lowest;
    }
    RE_ASSERT(lowest < k_rank_count);
    // A record ranked below everything queued is the oldest of its rank.
    if (rank_index(incoming_rank) < lowest) {
        return;
    }
    for (std::size_t i = 0; i < m_outbox.size(); ++i) {
        if (rank_index(m_outbox[i].rank) == lowest) {
            erase_at(i);
            return;
        }
    }
    RE_ASSERT(false);
}

void Registry::Impl::erase_at(std::size_t position)
{
    RE_ASSERT(position < m_outbox.size());
    auto& count = m_rank_counts[rank_index(m_outbox[position].rank)];
    RE_ASSERT(count > 0);
    --count;
    m_outbox.erase(m_outbox.begin() + static_cast<std::ptrdiff_t>(position));
}

void Registry::Impl::settle_front(const std::vector<ReplyPtr>& replies, std::size_t first_reply,
                                  FlushReport& report)
{
    RE_ASSERT(!m_outbox.empty());
    const PendingRecord& record = m_outbox.front();
    RE_ASSERT(first_reply + record.commands.size() <= replies.size());
    bool rejected = false;
    for (std::size_t i = 0; i < record.commands.size(); ++i) {
        const redisReply* reply = replies[first_reply + i].get();
        if (reply->type == REDIS_REPLY_ERROR) {
            rejected = true;
            report.error =
                util::make_error(util::ErrorCode::rejected,
                                 "Redis refused " + record.commands[i].front() + " "
                                     + record.commands[i][1] + ": " + reply_string(reply));
            m_last_error = report.error;
        }
    }
    if (rejected) {
        ++m_counters.rejected;
    } else if (record.kind == RecordKind::leader && replies[first_reply]->type != REDIS_REPLY_NIL) {
        std::string recorded = reply_string(replies[first_reply].get());
        if (recorded != std::to_string(record.node.value)) {
            // Raft §5.2: at most one leader per term. Two leaders recorded
            // for one term means a safety bug somewhere in the cluster.
            // The report quotes whatever number the record starts with, or 0
            // if it starts with none; the conflict is reported either way.
            std::string_view recorded_text = recorded;
            std::uint64_t recorded_id =
                util::take_decimal<std::uint64_t>(recorded_text).value_or(0);
            LeaderConflict conflict{record.term, raft::NodeId{recorded_id}, record.node};
            report.leader_conflicts.push_back(conflict);
            ++m_counters.leader_conflicts;
        } else {
            ++m_counters.written;
            ++report.records_written;
        }
    } else {
        ++m_counters.written;
        ++report.records_written;
    }
    erase_at(0);
}

FlushReport Registry::flush(std::int64_t now_ms)
{
    auto& impl = *m_impl;
    FlushReport report;
    auto status = impl.ensure_connected(now_ms);
    if (!status) {
        report.error = status.error();
        return report;
    }
    if (now_ms >= impl.m_next_marker_check_ms) {
        auto marker_status = impl.check_marker(now_ms);
        if (!marker_status) {
            report.error = marker_status.error();
            return report;
        }
    }
    // Bounded: each round either empties part of the outbox or fails.
    while (!impl.m_outbox.empty()) {
        std::size_t batch = std::min(impl.m_outbox.size(), impl.m_options.pipeline_records_max);
        std::vector<Command> commands;
        for (std::size_t i = 0; i < batch; ++i) {
            const auto& record = impl.m_outbox[i];
            commands.insert(commands.end(), record.commands.begin(), record.commands.end());
        }
        std::optional<util::Error> error;
        auto replies = impl.pipeline(now_ms, commands, error);
        // Settle every record whose replies all arrived; the rest stay
        // queued, in order, for the next connection.
        std::size_t reply_index = 0;
        for (std::size_t i = 0; i < batch; ++i) {
            std::size_t needed = impl.m_outbox.front().commands.size();
            if (reply_index + needed > replies.size()) {
                break;
            }
            impl.settle_front(replies, reply_index, report);
            reply_index += needed;
        }
        if (error) {
            report.error = error;
            return report;
        }
    }
    return report;
}

bool Registry::redis_was_reset() const { return m_impl->m_reset; }

void Registry::acknowledge_reset() { m_impl->m_reset = false; }

void Registry::mark_lost()
{
    m_impl->m_reset = true;
    ++m_impl->m_counters.resets_detected;
}

void Registry::disconnect() { m_impl->m_context.reset(); }

bool Registry::connected() const { return static_cast<bool>(m_impl->m_context); }

const std::optional<util::Error>& Registry::last_error() const { return m_impl->m_last_error; }

const RegistryCounters& Registry::counters() const { return m_impl->m_counters; }

std::size_t Registry::outbox_size() const { return m_impl->m_outbox.size(); }

std::int64_t Registry::next_connect_ms() const { return m_impl->m_next_connect_ms; }

const RegistryOptions& Registry::options() const { return m_impl->m_options; }

} // namespace raftescort::registry
