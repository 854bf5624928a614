#pragma once

// Client request ids for moves sent without one.
//
// The cluster deduplicates by (client_id, sequence): a sequence at or below
// the client's last applied one is a duplicate and changes nothing. So one
// client id must never have two requests in flight, or the later sequence
// could commit first and turn the earlier, still unanswered move into a
// "duplicate" that never moved anything. The proxy therefore has a few
// lanes, each its own client id with its own increasing sequence, and a
// lane carries one move at a time (retries included). Ids are
// "proxy-<64 random bits in hex>-<lane>": a restarted proxy never reuses
// one, so its sequences never collide with its predecessor's, and the
// cluster's client table (bounded) holds only a few entries per proxy run.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace raftescort::proxy {

class MoveLanes;

/// One move's request id; frees its lane when destroyed.
class LaneLease {
public:
    LaneLease(MoveLanes& lanes, std::size_t lane, std::string client_id, std::uint64_t sequence);
    ~LaneLease();
    LaneLease(const LaneLease&) = delete;
    LaneLease& operator=(const LaneLease&) = delete;

    const std::string& client_id() const { return m_client_id; }
    std::uint64_t sequence() const { return m_sequence; }

private:
    MoveLanes& m_lanes;
    std::size_t m_lane;
    std::string m_client_id;
    std::uint64_t m_sequence;
};

class MoveLanes {
public:
    /// `prefix` must be a valid client id of at most 40 characters.
    MoveLanes(std::string prefix, std::size_t lane_count);

    /// "proxy-" and 16 hex digits from std::random_device.
    static std::string random_prefix();

    /// Waits up to `timeout_ms` for a free lane; null if none came free.
    std::unique_ptr<LaneLease> acquire(std::int64_t timeout_ms);

private:
    friend class LaneLease;
    void release(std::size_t lane);

    const std::string m_prefix;
    std::mutex m_mutex;
    std::condition_variable m_freed;
    std::vector<bool> m_busy;
    std::vector<std::uint64_t> m_sequences;
};

} // namespace raftescort::proxy
