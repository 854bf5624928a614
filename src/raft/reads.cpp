// Linearizable reads by ReadIndex (Raft §8): a read is served at the commit
// index once a majority has confirmed that this node still leads.

#include <raftescort/raft/raft_node.hpp>

#include "raft/quorum.hpp"
#include "raft/raft_log.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::raft {

util::Status RaftNode::read_index(std::uint64_t request_id)
{
    using util::ErrorCode;
    using util::make_error;
    if (m_role != Role::leader) {
        return make_error(ErrorCode::rejected, "not the leader");
    }
    // Raft §8: a leader knows its commit index is current only after it has
    // committed an entry of its own term.
    if (!m_log->match_term(m_log->committed(), m_term)) {
        m_reads_before_commit.push_back(request_id);
        return util::Ok{};
    }
    if (m_conf.voters.size() == 1 && promotable()) {
        m_read_states.push_back(ReadState{request_id, m_log->committed()});
        return util::Ok{};
    }
    PendingRead read{request_id, m_log->committed(), ++m_read_round, {}};
    if (promotable()) {
        read.acks.insert(m_config.id);
    }
    m_pending_reads.push_back(std::move(read));
    broadcast_heartbeat(m_read_round);
    return util::Ok{};
}

void RaftNode::confirm_reads(NodeId from, std::uint64_t read_round)
{
    if (read_round == 0 || m_conf.voters.count(from) == 0) {
        return;
    }
    for (PendingRead& read : m_pending_reads) {
        if (read.round <= read_round) {
            read.acks.insert(from);
        }
    }
    release_pending_reads();
}

void RaftNode::release_pending_reads()
{
    // Reads are answered in order: a later round confirms every earlier one.
    std::size_t confirmed = 0;
    for (std::size_t i = 0; i < m_pending_reads.size(); ++i) {
        if (quorum::has_majority(m_conf.voters, m_pending_reads[i].acks)) {
            confirmed = i + 1;
        }
    }
    for (std::size_t i = 0; i < confirmed; ++i) {
        m_read_states.push_back(ReadState{m_pending_reads[i].request_id, m_pending_reads[i].index});
    }
    m_pending_reads.erase(m_pending_reads.begin(),
                          m_pending_reads.begin() + static_cast<std::ptrdiff_t>(confirmed));
}

} // namespace raftescort::raft
