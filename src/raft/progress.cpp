#include <raftescort/raft/progress.hpp>

namespace raftescort::raft {

Progress Progress::starting_at(Index next_index)
{
    Progress progress;
    progress.next_index = next_index;
    progress.recent_active = true;
    return progress;
}

void Progress::become_probe(Index next)
{
    state = State::probe;
    next_index = next;
    probe_sent = false;
    inflight.clear();
}

void Progress::become_replicate()
{
    state = State::replicate;
    inflight.clear();
}

void Progress::become_snapshot(Index index)
{
    state = State::snapshot;
    snapshot_index = index;
    snapshot_offset = 0;
    snapshot_chunk_outstanding = false;
    inflight.clear();
}

void Progress::probe_again() { probe_sent = false; }

void Progress::heard_from()
{
    recent_active = true;
    ticks_since_contact = 0;
}

bool Progress::acknowledge(Index index)
{
    bool advanced = false;
    if (index > match_index) {
        match_index = index;
        ticks_since_progress = 0;
        advanced = true;
    }
    if (next_index <= match_index) {
        next_index = next(match_index);
    }
    probe_sent = false;
    switch (state) {
    case State::probe: become_replicate(); break;
    case State::replicate:
        while (!inflight.empty() && inflight.front() <= index) {
            inflight.erase(inflight.begin());
        }
        break;
    case State::snapshot:
        if (match_index >= snapshot_index) {
            become_replicate();
        }
        break;
    }
    return advanced;
}

void Progress::sent_append(std::optional<Index> last_entry)
{
    if (last_entry.has_value()) {
        // The stall clock measures time since entries last went out unanswered.
        ticks_since_progress = 0;
        if (state == State::replicate) {
            next_index = next(*last_entry);
            inflight.push_back(*last_entry);
        }
    }
    if (state == State::probe) {
        probe_sent = true;
    }
}

bool Progress::paused(std::uint32_t inflight_max) const
{
    switch (state) {
    case State::probe: return probe_sent;
    case State::replicate: return inflight.size() >= inflight_max;
    case State::snapshot: return true;
    }
    return true;
}

void Progress::free_oldest_inflight()
{
    if (!inflight.empty()) {
        inflight.erase(inflight.begin());
    }
}

void Progress::tick()
{
    ++ticks_since_contact;
    ++ticks_since_progress;
    ++snapshot_chunk_ticks;
}

const char* progress_state_name(Progress::State state)
{
    switch (state) {
    case Progress::State::probe: return "probe";
    case Progress::State::replicate: return "replicate";
    case Progress::State::snapshot: return "snapshot";
    }
    return "unknown";
}

} // namespace raftescort::raft
