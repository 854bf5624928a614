#include "node/node_json.hpp"

#include "node/entry_text.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/json_body.hpp>

#include <cstdio>

namespace raftescort::node {

using nlohmann::json;

json point_json(const escort::Point& point) { return json::array({point.x, point.y}); }

json replicated_timing_json(const escort::Timing& timing)
{
    return json{{"heartbeat_ms", timing.heartbeat_ms},
                {"election_timeout_ms", timing.election_timeout_ms},
                {"step_interval_ms", timing.step_interval_ms},
                {"pre_vote", escort::protocol_switch_name(timing.pre_vote)},
                {"check_quorum", escort::protocol_switch_name(timing.check_quorum)}};
}

json timing_json(const TimingStatus& timing)
{
    return json{{"heartbeat_ms", timing.heartbeat_ms},
                {"election_timeout_ms", timing.election_timeout_ms},
                {"step_interval_ms", timing.step_interval_ms},
                {"pre_vote", timing.pre_vote},
                {"check_quorum", timing.check_quorum},
                {"since_index", timing.since_index.value}};
}

json mission_json(const escort::Mission& mission)
{
    return json{{"target", point_json(mission.target)},
                {"running", mission.running},
                {"steps_taken", mission.steps_taken}};
}

json positions_json(const std::vector<NodePosition>& positions)
{
    json list = json::array();
    for (const NodePosition& entry : positions) {
        list.push_back(json{{"id", entry.id.value}, {"position", point_json(entry.position)}});
    }
    return list;
}

json metrics_json(const NodeMetrics& metrics)
{
    json buckets = json::array();
    const std::vector<double>& bounds = metrics.fsync.bounds();
    for (std::size_t bucket = 0; bucket < bounds.size(); ++bucket) {
        buckets.push_back(
            json{{"le", bounds[bucket]}, {"count", metrics.fsync.cumulative_count(bucket)}});
    }
    return json{{"elections_started", metrics.elections_started},
                {"elections_won", metrics.elections_won},
                {"leader_changes", metrics.leader_changes},
                {"fsync", json{{"count", metrics.fsync.count()},
                               {"sum_seconds", metrics.fsync.sum()},
                               {"buckets", buckets}}}};
}

json status_json(const NodeStatus& status)
{
    json ids_voters = json::array();
    for (raft::NodeId id : status.voters) {
        ids_voters.push_back(id.value);
    }
    json ids_learners = json::array();
    for (raft::NodeId id : status.learners) {
        ids_learners.push_back(id.value);
    }
    json peers = json::array();
    for (const PeerStatus& peer : status.peers) {
        peers.push_back(json{{"id", peer.id.value},
                             {"name", peer.name},
                             {"match_index", peer.match_index.value},
                             {"next_index", peer.next_index.value},
                             {"state", peer.state},
                             {"learner", peer.learner},
                             {"last_contact_ms", peer.last_contact_ms},
                             {"reachable", peer.reachable},
                             {"answers_in_responses", peer.answers_in_responses}});
    }
    char hash[17];
    std::snprintf(hash, sizeof(hash), "%016llx",
                  static_cast<unsigned long long>(status.state_hash));
    return json{{"id", status.id.value},
                {"name", status.name},
                {"cluster", status.cluster_id},
                {"role", status.role},
                {"term", status.term.value},
                {"leader", status.leader.value},
                {"leader_name", status.leader_name},
                {"commit_index", status.commit_index.value},
                {"applied_index", status.applied_index.value},
                {"last_index", status.last_index.value},
                {"snapshot_index", status.snapshot_index.value},
                {"committed_in_term", status.committed_in_term},
                {"position", status.position ? point_json(*status.position) : json(nullptr)},
                {"lead", point_json(status.lead)},
                {"lead_unit", status.lead_unit.value},
                {"mission", mission_json(status.mission)},
                {"voters", ids_voters},
                {"learners", ids_learners},
                {"peers", peers},
                {"positions", positions_json(status.positions)},
                {"state_hash", hash},
                {"redis_connected", status.redis_connected},
                {"interface_ips", status.interface_ips},
                {"faults", chaos::active_faults_json(status.faults, transport::monotonic_ms())},
                {"timing", timing_json(status.timing)},
                {"metrics", metrics_json(status.metrics)}};
}

json logged_entry_json(const LoggedEntry& entry)
{
    return json{{"index", entry.index.value},
                {"term", entry.term.value},
                {"type", entry_type_name(entry.type)},
                {"command", entry.command}};
}

json log_window_json(const LogWindow& window)
{
    json entries = json::array();
    for (const LoggedEntry& entry : window.entries) {
        json item = logged_entry_json(entry);
        // The command's first word ("move", "take_lead", "add_learner"):
        // what a view colours or labels the entry by.
        item["kind"] = entry.command.substr(0, entry.command.find(' '));
        entries.push_back(std::move(item));
    }
    json overwritten = json::array();
    for (const LogOverwrite& lost : window.overwritten) {
        json item{{"index", lost.index.value},
                  {"term", lost.term.value},
                  {"how", overwrite_how_name(lost.how)},
                  {"at_ms", lost.at_ms}};
        item["replaced_by_term"] =
            lost.how == LogOverwrite::How::replaced ? json(lost.replaced_by.value) : json(nullptr);
        overwritten.push_back(std::move(item));
    }
    return json{{"first_index", window.first_index.value},
                {"last_index", window.last_index.value},
                {"commit_index", window.commit_index.value},
                {"applied_index", window.applied_index.value},
                {"snapshot_index", window.snapshot_index.value},
                {"snapshot_term", window.snapshot_term.value},
                {"entries", std::move(entries)},
                {"overwritten", std::move(overwritten)}};
}

json traced_message_json(const TracedMessage& message)
{
    json item{{"seq", message.seq},
              {"at_ms", message.at_ms},
              {"from", message.from.value},
              {"to", message.to.value},
              {"type", raft::message_type_name(message.type)},
              {"term", message.term.value},
              {"fate", fate_name(message.fate)},
              {"count", message.count}};
    switch (message.type) {
    case raft::MessageType::pre_vote:
    case raft::MessageType::vote:
        // The candidate's last log entry, which a voter compares with its own.
        item["last_index"] = message.index.value;
        item["last_term"] = message.log_term.value;
        break;
    case raft::MessageType::pre_vote_response:
    case raft::MessageType::vote_response:
        item["granted"] = !message.reject;
        if (message.reject) {
            item["reason"] = raft::vote_refusal_name(message.refusal);
        }
        break;
    case raft::MessageType::append:
        item["prev_index"] = message.index.value;
        item["prev_term"] = message.log_term.value;
        item["entries"] = message.entries;
        item["commit"] = message.commit.value;
        break;
    case raft::MessageType::append_response:
        item["index"] = message.index.value;
        item["success"] = !message.reject;
        if (message.reject) {
            item["conflict_index"] = message.conflict_index.value;
            item["conflict_term"] = message.conflict_term.value;
        }
        break;
    case raft::MessageType::heartbeat: item["commit"] = message.commit.value; break;
    case raft::MessageType::snapshot:
        item["chunk_offset"] = message.chunk_offset;
        item["chunk_bytes"] = message.chunk_bytes;
        item["chunk_last"] = message.chunk_last;
        break;
    case raft::MessageType::snapshot_response: item["success"] = !message.reject; break;
    case raft::MessageType::heartbeat_response:
    case raft::MessageType::timeout_now: break;
    }
    return item;
}

const char* apply_result_name(escort::ApplyResult::Kind kind)
{
    switch (kind) {
    case escort::ApplyResult::Kind::stepped: return "stepped";
    case escort::ApplyResult::Kind::moved: return "moved";
    case escort::ApplyResult::Kind::mission_set: return "mission_set";
    case escort::ApplyResult::Kind::timing_set: return "timing_set";
    case escort::ApplyResult::Kind::lead_taken: return "lead_taken";
    case escort::ApplyResult::Kind::roster: return "roster";
    case escort::ApplyResult::Kind::duplicate: return "duplicate";
    case escort::ApplyResult::Kind::stale: return "stale";
    case escort::ApplyResult::Kind::no_op: return "no_op";
    }
    return "unknown";
}

json committed_json(const RequestOutcome& outcome)
{
    return json{{"term", outcome.term.value},
                {"index", outcome.index.value},
                {"result", apply_result_name(outcome.result.kind)},
                {"lead", point_json(outcome.result.lead_after)},
                {"positions", positions_json(outcome.positions)},
                {"mission", mission_json(outcome.mission)}};
}

void reply_error(httplib::Response& response, int status, const std::string& message)
{
    transport::reply_json(response, status, json{{"error", message}});
}

} // namespace raftescort::node
