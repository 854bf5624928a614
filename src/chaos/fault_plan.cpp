#include <raftescort/chaos/fault_plan.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::chaos {

namespace {

/// Rates are in millionths.
constexpr std::uint64_t k_chances = 1'000'000;

/// The fault acts on messages to or from `peer` travelling `way`.
bool acts_on(const FaultSpec& spec, raft::NodeId peer, Direction way)
{
    if (spec.kind == FaultKind::isolate) {
        return true;
    }
    if (spec.direction != Direction::both && spec.direction != way) {
        return false;
    }
    return spec.peers.empty() ? spec.kind != FaultKind::partition : spec.peers.count(peer) > 0;
}

} // namespace

std::optional<ActiveFault> FaultPlan::apply(const FaultSpec& spec, std::int64_t now_ms)
{
    RE_ASSERT(spec.duration_ms > 0);
    std::optional<ActiveFault> replaced;
    auto same_kind = std::find_if(m_faults.begin(), m_faults.end(),
                                  [&](const ActiveFault& f) { return f.spec.kind == spec.kind; });
    if (same_kind != m_faults.end()) {
        replaced = std::move(*same_kind);
        m_faults.erase(same_kind);
    }
    m_faults.push_back(ActiveFault{spec, now_ms, now_ms + spec.duration_ms});
    return replaced;
}

std::vector<ActiveFault> FaultPlan::heal_all()
{
    std::vector<ActiveFault> healed;
    healed.swap(m_faults);
    return healed;
}

std::vector<ActiveFault> FaultPlan::expire(std::int64_t now_ms)
{
    std::vector<ActiveFault> expired;
    auto over = std::stable_partition(m_faults.begin(), m_faults.end(),
                                      [&](const ActiveFault& f) { return f.until_ms > now_ms; });
    std::move(over, m_faults.end(), std::back_inserter(expired));
    m_faults.erase(over, m_faults.end());
    return expired;
}

const ActiveFault* FaultPlan::find(FaultKind kind) const
{
    auto found = std::find_if(m_faults.begin(), m_faults.end(),
                              [&](const ActiveFault& f) { return f.spec.kind == kind; });
    return found == m_faults.end() ? nullptr : &*found;
}

std::optional<ActiveFault> FaultPlan::heal(FaultKind kind)
{
    auto found = std::find_if(m_faults.begin(), m_faults.end(),
                              [&](const ActiveFault& f) { return f.spec.kind == kind; });
    if (found == m_faults.end()) {
        return std::nullopt;
    }
    ActiveFault healed = std::move(*found);
    m_faults.erase(found);
    return healed;
}

std::int64_t FaultPlan::disk_stall_ms() const
{
    const ActiveFault* stall = find(FaultKind::disk_stall);
    return stall == nullptr ? 0 : stall->spec.delay_ms;
}

bool FaultPlan::chance(std::uint32_t rate_ppm)
{
    RE_ASSERT(rate_ppm <= k_chances);
    return m_random.uniform(k_chances) < rate_ppm;
}

Verdict FaultPlan::judge(raft::NodeId peer, Direction way)
{
    RE_ASSERT(way != Direction::both);
    Verdict verdict;
    for (const ActiveFault& fault : m_faults) {
        const FaultSpec& spec = fault.spec;
        if (!acts_on(spec, peer, way)) {
            continue;
        }
        switch (spec.kind) {
        case FaultKind::isolate:
        case FaultKind::partition:
        case FaultKind::pause:
        case FaultKind::crash: verdict.drop = true; break;
        case FaultKind::disk_stall: break;
        case FaultKind::drop: verdict.drop = verdict.drop || chance(spec.rate_ppm); break;
        case FaultKind::duplicate: verdict.duplicate = chance(spec.rate_ppm); break;
        case FaultKind::delay:
            verdict.delay_ms = spec.delay_ms
                               + static_cast<std::int64_t>(m_random.uniform(
                                   static_cast<std::uint64_t>(spec.jitter_ms) + 1));
            break;
        }
    }
    return verdict;
}

nlohmann::json active_faults_json(const std::vector<ActiveFault>& faults, std::int64_t now_ms)
{
    nlohmann::json list = nlohmann::json::array();
    for (const ActiveFault& fault : faults) {
        nlohmann::json item = fault_spec_json(fault.spec);
        item["description"] = describe_fault(fault.spec);
        item["since_ms"] = std::max<std::int64_t>(0, now_ms - fault.since_ms);
        item["remaining_ms"] = std::max<std::int64_t>(0, fault.until_ms - now_ms);
        list.push_back(std::move(item));
    }
    return list;
}

} // namespace raftescort::chaos
