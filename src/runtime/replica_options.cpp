#include <raftescort/runtime/replica.hpp>

#include <string>

namespace raftescort::runtime {

util::Status ReplicaOptions::validate() const
{
    if (data_dir.empty()) {
        return util::make_error(util::ErrorCode::invalid_argument, "replica: data_dir is empty");
    }
    // The storage checks the characters; an empty id would only fail later
    // with a message about the identity file instead of the option.
    if (cluster_id.empty()) {
        return util::make_error(util::ErrorCode::invalid_argument, "replica: cluster_id is empty");
    }
    if (raft.id == raft::k_no_node) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "replica: raft.id must be set (0 means no node)");
    }
    if (util::Status core = raft.validate(); !core.ok()) {
        return util::make_error(core.error().code, "replica: raft config: " + core.error().message);
    }
    // A founder outside its own bootstrap membership would replicate a
    // cluster it can never vote in: almost certainly a typo in the flags.
    const bool bootstraps = !bootstrap_conf.voters.empty() || !bootstrap_conf.learners.empty();
    if (bootstraps && !bootstrap_conf.contains(raft.id)) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "replica: bootstrap_conf does not contain node "
                                    + std::to_string(raft.id.value));
    }
    if (segment_bytes_max == 0) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "replica: segment_bytes_max must be positive");
    }
    return util::Ok{};
}

} // namespace raftescort::runtime
