#include <raftescort/raft/config.hpp>

namespace raftescort::raft {

util::Status Config::validate() const
{
    using util::ErrorCode;
    using util::make_error;
    if (id == k_no_node) {
        return make_error(ErrorCode::invalid_argument, "node id must not be 0");
    }
    if (heartbeat_ticks == 0) {
        return make_error(ErrorCode::invalid_argument, "heartbeat_ticks must be at least 1");
    }
    if (election_ticks < 3 * heartbeat_ticks) {
        return make_error(ErrorCode::invalid_argument,
                          "election_ticks must be at least 3 x heartbeat_ticks, so followers "
                          "do not time out between heartbeats");
    }
    if (entries_per_message_max == 0 || bytes_per_message_max == 0) {
        return make_error(ErrorCode::invalid_argument, "message limits must be positive");
    }
    if (inflight_messages_max == 0 || snapshot_chunk_bytes == 0) {
        return make_error(ErrorCode::invalid_argument,
                          "inflight_messages_max and snapshot_chunk_bytes must be positive");
    }
    return util::Ok{};
}

} // namespace raftescort::raft
