#pragma once

// The faults a node has in force, and what they do to each message. Pure:
// the caller passes the time and the plan draws its chances from a seeded
// generator, so a test can replay a verdict. Owned by the node's loop
// thread.
//
// One fault of each kind at a time: a new one replaces the old, so "delay
// 80ms" then "delay 200ms" leaves 200 ms, and a delay and a drop together
// act on the same message.

#include <raftescort/chaos/fault.hpp>
#include <raftescort/util/rng.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace raftescort::chaos {

struct ActiveFault {
    FaultSpec spec;
    std::int64_t since_ms = 0;
    /// It heals itself at this time.
    std::int64_t until_ms = 0;
};

/// What happens to one message on one link.
struct Verdict {
    bool drop = false;
    /// Delivered a second time, right after the first.
    bool duplicate = false;
    /// Delivered this much later.
    std::int64_t delay_ms = 0;
};

class FaultPlan {
public:
    explicit FaultPlan(std::uint64_t seed) : m_random(seed) { }

    /// Puts `spec` in force from `now_ms` until `now_ms + duration`;
    /// returns the fault of the same kind it replaced, if any.
    std::optional<ActiveFault> apply(const FaultSpec& spec, std::int64_t now_ms);
    /// Clears every fault; returns what was in force.
    std::vector<ActiveFault> heal_all();
    /// Clears the fault of `kind`, if one is in force; returns it.
    std::optional<ActiveFault> heal(FaultKind kind);
    /// Removes the faults whose time is up at `now_ms`; returns them.
    std::vector<ActiveFault> expire(std::int64_t now_ms);

    /// The fault of `kind` in force, or null.
    const ActiveFault* find(FaultKind kind) const;
    /// A pause is in force: no ticks, no messages, no client requests.
    bool paused() const { return find(FaultKind::pause) != nullptr; }
    /// A crash is in force: the node's data directory is closed.
    bool crashed() const { return find(FaultKind::crash) != nullptr; }
    /// The time added to each fsync; 0 when no disk stall is in force.
    std::int64_t disk_stall_ms() const;
    /// What the faults do to one message between this node and `peer`,
    /// travelling `way` (Direction::in or Direction::out).
    Verdict judge(raft::NodeId peer, Direction way);

    const std::vector<ActiveFault>& in_force() const { return m_faults; }
    bool empty() const { return m_faults.empty(); }

private:
    bool chance(std::uint32_t rate_ppm);

    std::vector<ActiveFault> m_faults;
    util::Rng m_random;
};

/// The faults in force as JSON, each in its JSON form plus "description",
/// "since_ms" (how long ago it started) and "remaining_ms" (until it heals
/// itself), as seen at `now_ms`.
nlohmann::json active_faults_json(const std::vector<ActiveFault>& faults, std::int64_t now_ms);

} // namespace raftescort::chaos
