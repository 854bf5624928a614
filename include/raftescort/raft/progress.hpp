#pragma once

// The leader's view of one follower's replication (Raft Figure 2's
// matchIndex and nextIndex), with the flow control etcd's raft uses: a
// follower is in one of three states, and only the named transitions below
// move it between them.
//
//   probe      one append at a time, until the follower accepts one;
//   replicate  appends stream back to back, up to an inflight window;
//   snapshot   the follower needs compacted entries: a snapshot goes out in
//              chunks, then the follower is probed again.

#include <raftescort/raft/types.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace raftescort::raft {

struct Progress {
    enum class State : std::uint8_t { probe, replicate, snapshot };

    /// Highest index known to be replicated on the follower (§5.3 matchIndex).
    Index match_index;
    /// Next index to send (§5.3 nextIndex).
    Index next_index;
    State state = State::probe;
    /// Probe: an append is out and unanswered; wait for a reply or heartbeat.
    bool probe_sent = false;
    /// Replicate: last indexes of the append messages not yet acknowledged.
    std::vector<Index> inflight;
    /// Snapshot: the snapshot being sent and the next chunk offset.
    Index snapshot_index;
    std::uint64_t snapshot_offset = 0;
    bool snapshot_chunk_outstanding = false;
    /// Ticks since the last chunk went out; a chunk unanswered for long is resent.
    std::uint32_t snapshot_chunk_ticks = 0;
    /// Heard from since the last check-quorum round.
    bool recent_active = false;
    /// Ticks since the follower last answered.
    std::uint64_t ticks_since_contact = 0;
    /// Ticks since match_index last advanced or entries were last sent; a
    /// follower stalled for two heartbeats gets a resend.
    std::uint64_t ticks_since_progress = 0;
    bool learner = false;

    /// A member the leader knows nothing about yet: probed from
    /// `next_index`, and counted as heard from, so check-quorum gives it a
    /// whole round before counting it as lost.
    static Progress starting_at(Index next_index);

    /// Probe from `next_index`: forgets what is in flight.
    void become_probe(Index next_index);
    /// Stream appends from next_index on.
    void become_replicate();
    /// Send the snapshot at `index` from its first byte.
    void become_snapshot(Index index);

    /// The last probe or its answer may be lost: the next probe may go out.
    void probe_again();
    /// The follower answered (anything): it is alive.
    void heard_from();
    /// The follower holds every entry up to `index`; moves a probe to
    /// replicate and a finished snapshot transfer too. Returns whether
    /// match_index advanced.
    bool acknowledge(Index index);
    /// An append went out, carrying entries up to `last_entry` (none if nullopt).
    void sent_append(std::optional<Index> last_entry);
    /// The leader must not send this follower another append yet.
    bool paused(std::uint32_t inflight_max) const;
    /// An answer was lost: frees the oldest inflight slot.
    void free_oldest_inflight();
    /// One tick of the leader's clock.
    void tick();
};

const char* progress_state_name(Progress::State state);

} // namespace raftescort::raft
