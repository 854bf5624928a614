#include "exit_error.hpp"

#include <raftescort/util/assert.hpp>

#include <utility>

namespace raftescort::cmd {

ExitError::ExitError(int exit_status, std::string command, const std::string& reason)
    : std::runtime_error(reason), m_exit_status(exit_status), m_command(std::move(command))
{
    RE_ASSERT(exit_status != k_exit_success);
    RE_ASSERT(!reason.empty());
}

void throw_role_unavailable(std::string_view command, std::string_view tracking)
{
    std::string reason = "this role is not in this build yet";
    if (!tracking.empty()) {
        reason += " (tracked in " + std::string(tracking) + ")";
    }
    reason += "; the Raft core and simulator are (see raftescort-sim)";
    throw ExitError(k_exit_usage, std::string(command), reason);
}

} // namespace raftescort::cmd
