#include "proxy/view/cluster_view.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace raftescort::proxy {

ClusterView::ClusterView(ClusterViewOptions options) : m_options(options)
{
    RE_ASSERT(m_options.nodes_max > 0);
}

ClusterView::~ClusterView() { stop(); }

void ClusterView::start_poller_locked(Slot& slot)
{
    RE_ASSERT(!m_stopped);
    if (slot.poller) {
        slot.poller->request_stop();
        m_retired.push_back(std::move(slot.poller));
    }
    slot.poller = std::make_unique<NodePoller>(
        slot.view.id, slot.view.name, m_options.poller,
        [this](std::uint64_t id, const std::string& address, util::Result<nlohmann::json> answer) {
            record(id, address, std::move(answer));
        });
    // Joining a finished poller is immediate; one still running is left for
    // later (it may be the thread that called us).
    std::erase_if(m_retired,
                  [](const std::unique_ptr<NodePoller>& poller) { return poller->finished(); });
}

void ClusterView::learn(std::uint64_t id, const std::string& address, AddressSource source)
{
    if (id == 0 || address.empty()) {
        return;
    }
    std::lock_guard lock(m_mutex);
    if (m_stopped) {
        return;
    }
    auto found = m_slots.find(id);
    if (found == m_slots.end()) {
        if (m_slots.size() >= m_options.nodes_max) {
            spdlog::warn("not tracking node {} at {}: already tracking {} nodes", id, address,
                         m_slots.size());
            return;
        }
        Slot& slot = m_slots[id];
        slot.view.id = id;
        slot.view.name = address;
        slot.view.last_error = "not polled yet";
        slot.source = source;
        spdlog::info("tracking node {} at {}", id, address);
        start_poller_locked(slot);
        ++m_version;
        return;
    }
    Slot& slot = found->second;
    if (slot.view.name == address) {
        slot.source = std::max(slot.source, source);
        return;
    }
    // A peer list can lag behind a node that moved; Redis and the node's own
    // registration are fresher. A node that does not answer where we look
    // for it may have moved, so any source may then correct its address.
    if (source < slot.source && slot.view.reachable) {
        return;
    }
    spdlog::info("node {} moved from {} to {}", id, slot.view.name, address);
    slot.view.name = address;
    slot.source = source;
    ++m_version;
    start_poller_locked(slot);
}

void ClusterView::set_registered(std::set<std::uint64_t> ids)
{
    std::lock_guard lock(m_mutex);
    m_registered = std::move(ids);
    ++m_version;
}

void ClusterView::record(std::uint64_t id, const std::string& address,
                         util::Result<nlohmann::json> answer)
{
    std::vector<std::pair<std::uint64_t, std::string>> peers;
    const std::int64_t now_ms = transport::monotonic_ms();
    {
        std::lock_guard lock(m_mutex);
        auto found = m_slots.find(id);
        // A retired poller's last answer is about an address we left.
        if (m_stopped || found == m_slots.end() || found->second.view.name != address) {
            return;
        }
        Slot& slot = found->second;
        util::Result<NodeView> parsed = answer.ok() ? parse_node_status(answer.value())
                                                    : util::Result<NodeView>(answer.error());
        if (parsed.ok() && parsed.value().id != id) {
            parsed = util::make_error(util::ErrorCode::corrupt,
                                      "answers as node " + std::to_string(parsed.value().id));
        }
        if (parsed.ok()) {
            NodeView view = std::move(parsed.value());
            view.name = address;
            view.answered_at_ms = now_ms;
            if (!slot.view.reachable) {
                spdlog::info("node {} at {} answers ({} in term {})", id, address, view.role,
                             view.term);
            }
            for (const PeerView& peer : view.peers) {
                peers.emplace_back(peer.id, peer.name);
            }
            slot.view = std::move(view);
            slot.seen = true;
        } else {
            if (slot.view.reachable) {
                spdlog::warn("node {} at {} is unreachable: {}", id, address,
                             parsed.error().message);
            }
            // Keep what is still true of an unreachable node (its last term
            // and indexes, its membership); drop what is live.
            slot.view.reachable = false;
            slot.view.role = k_role_unreachable;
            slot.view.position.reset();
            slot.view.status = nullptr;
            slot.view.peers.clear();
            slot.view.faults = nlohmann::json::array();
            slot.view.last_error = parsed.error().message;
        }
        ++m_version;
        account_leader_locked(now_ms);
    }
    for (const auto& [peer_id, peer_address] : peers) {
        learn(peer_id, peer_address, AddressSource::peer_list);
    }
}

std::vector<NodeView> ClusterView::all_views_locked() const
{
    std::vector<NodeView> views;
    views.reserve(m_slots.size());
    for (const auto& [id, slot] : m_slots) {
        views.push_back(slot.view);
    }
    return views;
}

void ClusterView::account_leader_locked(std::int64_t now_ms)
{
    std::uint64_t leader = 0;
    std::uint64_t term = 0;
    for (const auto& [id, slot] : m_slots) {
        const NodeView& view = slot.view;
        if (view.reachable && view.role == "leader" && (leader == 0 || view.term > term)) {
            leader = id;
            term = view.term;
        }
    }
    if (m_accounting && !m_leader_present) {
        m_without_leader_ms += std::max<std::int64_t>(0, now_ms - m_accounted_at_ms);
    }
    // Time without a leader counts from the first answer: before it, the
    // proxy knows nothing, which is not the cluster's fault.
    m_accounting = m_accounting
                   || std::any_of(m_slots.begin(), m_slots.end(),
                                  [](const auto& item) { return item.second.seen; });
    m_accounted_at_ms = now_ms;
    m_leader_present = leader != 0;
    if (leader == 0) {
        return;
    }
    std::pair<std::uint64_t, std::uint64_t> key{leader, term};
    if (m_last_leader && *m_last_leader != key) {
        ++m_leader_changes;
        spdlog::info("leader is now node {} in term {} (was node {} in term {})", leader, term,
                     m_last_leader->first, m_last_leader->second);
    } else if (!m_last_leader) {
        spdlog::info("leader is node {} in term {}", leader, term);
    }
    m_last_leader = key;
}

std::shared_ptr<const ClusterSnapshot> ClusterView::snapshot() const
{
    std::lock_guard lock(m_mutex);
    if (m_snapshot && m_snapshot->version == m_version) {
        return m_snapshot;
    }
    ClusterSnapshot snapshot;
    std::vector<NodeView> views = all_views_locked();
    snapshot.leader = choose_leader(views);
    std::set<std::uint64_t> members;
    for (const NodeView& view : views) {
        if (view.id == snapshot.leader) {
            members.insert(view.voters.begin(), view.voters.end());
            members.insert(view.learners.begin(), view.learners.end());
            members.insert(view.id);
            snapshot.term = view.term;
        }
    }
    for (NodeView& view : views) {
        if (snapshot.leader == 0 && view.reachable) {
            snapshot.term = std::max(snapshot.term, view.term);
        }
        // A node the leader no longer counts as a member, that does not
        // answer and is not registered, was removed: stop listing it.
        bool listed = view.reachable || snapshot.leader == 0 || members.count(view.id) == 1
                      || m_registered.count(view.id) == 1;
        if (listed) {
            snapshot.nodes.push_back(std::move(view));
        }
    }
    snapshot.version = m_version;
    snapshot.poll_interval_ms = m_options.poller.poll_interval_ms;
    m_snapshot = std::make_shared<const ClusterSnapshot>(std::move(snapshot));
    return m_snapshot;
}

LeaderStats ClusterView::leader_stats() const
{
    std::lock_guard lock(m_mutex);
    LeaderStats stats;
    stats.leader_changes = m_leader_changes;
    stats.leader_present = m_leader_present;
    std::int64_t without_ms = m_without_leader_ms;
    if (m_accounting && !m_leader_present) {
        without_ms += std::max<std::int64_t>(0, transport::monotonic_ms() - m_accounted_at_ms);
    }
    stats.seconds_without_leader = static_cast<double>(without_ms) / 1000.0;
    return stats;
}

void ClusterView::stop()
{
    std::vector<std::unique_ptr<NodePoller>> pollers;
    {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
        for (auto& [id, slot] : m_slots) {
            if (slot.poller) {
                pollers.push_back(std::move(slot.poller));
            }
        }
        for (auto& poller : m_retired) {
            pollers.push_back(std::move(poller));
        }
        m_retired.clear();
    }
    // Every poller is told first, so they all stop in parallel; their
    // callbacks see m_stopped and return without touching the slots.
    for (auto& poller : pollers) {
        poller->request_stop();
    }
    pollers.clear();
}

} // namespace raftescort::proxy
