// Snapshots: the application's compaction, and InstallSnapshot in chunks
// (Raft §7) from a leader to a follower that needs compacted entries.

#include <raftescort/raft/raft_node.hpp>

#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <string>

namespace raftescort::raft {

void RaftNode::compact(Index index, std::string data)
{
    RE_ASSERT(index == m_log->applied());
    RE_ASSERT(index <= m_log->committed());
    if (index <= m_log->snapshot_index()) {
        return;
    }
    std::optional<Term> index_term = m_log->term(index);
    RE_ASSERT(index_term.has_value());
    m_snapshot = Snapshot{SnapshotMetadata{index, *index_term, m_conf}, std::move(data)};
    m_log->compact(index);
    check_invariants();
}

void RaftNode::send_snapshot_chunk(NodeId to)
{
    Progress& progress = m_tracker.at(to);
    RE_ASSERT(progress.state == Progress::State::snapshot);
    RE_ASSERT(m_snapshot.has_value());
    if (progress.snapshot_chunk_outstanding) {
        return;
    }
    if (progress.snapshot_index != m_snapshot->metadata.index) {
        // We compacted again since: start over with the newer snapshot.
        progress.become_snapshot(m_snapshot->metadata.index);
    }
    const std::string& data = m_snapshot->data;
    RE_ASSERT(progress.snapshot_offset <= data.size());
    std::uint64_t length = std::min<std::uint64_t>(m_config.snapshot_chunk_bytes,
                                                   data.size() - progress.snapshot_offset);
    Message chunk;
    chunk.type = MessageType::snapshot;
    chunk.to = to;
    chunk.term = m_term;
    chunk.snapshot_metadata = m_snapshot->metadata;
    chunk.chunk_offset = progress.snapshot_offset;
    chunk.chunk_data = data.substr(progress.snapshot_offset, length);
    chunk.chunk_last = progress.snapshot_offset + length == data.size();
    progress.snapshot_chunk_outstanding = true;
    progress.snapshot_chunk_ticks = 0;
    send(std::move(chunk));
}

void RaftNode::handle_snapshot_chunk(const Message& message)
{
    const SnapshotMetadata& metadata = message.snapshot_metadata;
    Message response;
    response.type = MessageType::snapshot_response;
    response.to = message.from;
    response.term = m_term;
    response.snapshot_metadata.index = metadata.index;
    response.snapshot_metadata.term = metadata.term;

    if (metadata.index <= m_log->committed()) {
        // Already have everything the snapshot covers.
        response.chunk_last = true;
        response.index = m_log->committed();
        send(std::move(response));
        return;
    }
    bool same_snapshot = m_incoming_snapshot.has_value()
                         && m_incoming_snapshot->index == metadata.index
                         && m_incoming_snapshot->term == metadata.term;
    if (same_snapshot && message.chunk_offset < m_incoming_snapshot_data.size()) {
        // A duplicate of an earlier chunk only re-acknowledges progress below.
    } else if (message.chunk_offset == 0) {
        m_incoming_snapshot = metadata;
        m_incoming_snapshot_data = message.chunk_data;
    } else if (same_snapshot && message.chunk_offset == m_incoming_snapshot_data.size()) {
        m_incoming_snapshot_data += message.chunk_data;
    } else {
        m_incoming_snapshot.reset();
        m_incoming_snapshot_data.clear();
        response.reject = true;
        send(std::move(response));
        return;
    }
    if (!message.chunk_last
        || message.chunk_offset + message.chunk_data.size() != m_incoming_snapshot_data.size()) {
        response.chunk_offset = m_incoming_snapshot_data.size();
        send(std::move(response));
        return;
    }

    Snapshot snapshot{*m_incoming_snapshot, std::move(m_incoming_snapshot_data)};
    m_incoming_snapshot.reset();
    m_incoming_snapshot_data.clear();
    if (m_log->match_term(metadata.index, metadata.term)) {
        // Our log already holds the snapshot's last entry: keep the log, commit.
        m_log->commit_to(metadata.index);
    } else {
        log(util::LogLevel::info,
            "installs snapshot at index " + std::to_string(metadata.index.value));
        m_log->restore(metadata.index, metadata.term);
        m_conf = metadata.conf;
        m_conf_index = metadata.index;
        m_snapshot = snapshot;
        m_pending_snapshot = std::move(snapshot);
    }
    response.chunk_last = true;
    response.index = metadata.index;
    send(std::move(response));
}

void RaftNode::handle_snapshot_response(const Message& message)
{
    Progress& progress = m_tracker.at(message.from);
    progress.heard_from();
    if (progress.state != Progress::State::snapshot) {
        return;
    }
    if (message.chunk_last && !message.reject) {
        // The follower holds the snapshot: probe from just after it.
        progress.match_index = std::max(progress.match_index, message.index);
        progress.become_probe(next(progress.match_index));
        if (maybe_commit()) {
            broadcast_append();
        } else {
            send_append(message.from, true);
        }
        return;
    }
    if (message.snapshot_metadata.index != progress.snapshot_index) {
        return; // An answer about an older snapshot.
    }
    progress.snapshot_chunk_outstanding = false;
    if (message.reject) {
        progress.snapshot_offset = 0;
    } else if (message.chunk_offset > progress.snapshot_offset) {
        progress.snapshot_offset = message.chunk_offset;
    }
    send_snapshot_chunk(message.from);
}

} // namespace raftescort::raft
