// Deduplication of client requests: a client retries a request it got no answer
// for, and the retry may commit after the original. The table is bounded, and
// eviction depends only on replicated state, so every node evicts alike.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>

#include <string>

namespace raftescort::escort {

bool Escort::is_duplicate(const Command& command) const
{
    // Without a client id there is nothing to match retries against (autopilot steps
    // are made idempotent by their `from` point instead).
    if (command.client_id.empty()) {
        return false;
    }
    auto found = m_clients.find(command.client_id);
    if (found == m_clients.end()) {
        return false;
    }
    RE_ASSERT(found->second.applied_index <= m_last_applied_index);
    return command.sequence <= found->second.sequence;
}

void Escort::record_client(const Command& command, raft::Index index)
{
    RE_ASSERT(index > m_last_applied_index);
    if (command.client_id.empty()) {
        return;
    }
    RE_ASSERT(!is_duplicate(command));
    auto found = m_clients.find(command.client_id);
    if (found == m_clients.end() && m_clients.size() == k_clients_max) {
        // Evict the client whose last request is oldest. Applied indexes are unique
        // per client (one entry records one client), so the choice is unambiguous;
        // the scan is bounded by k_clients_max.
        auto oldest = m_clients.begin();
        for (auto it = m_clients.begin(); it != m_clients.end(); ++it) {
            if (it->second.applied_index < oldest->second.applied_index) {
                oldest = it;
            }
        }
        m_clients.erase(oldest);
    }
    RE_ASSERT(m_clients.size() < k_clients_max || found != m_clients.end());
    m_clients[command.client_id] = ClientRecord{command.sequence, index};
    RE_ASSERT(m_clients.size() <= k_clients_max);
}

} // namespace raftescort::escort
