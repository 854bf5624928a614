#pragma once

// How a command ends the program early. main() is the only place that
// catches errors; commands throw ExitError (or CLI::ValidationError for bad
// input) and main() turns it into one line on stderr and an exit status.

#include <stdexcept>
#include <string>
#include <string_view>

namespace raftescort::cmd {

/// Exit statuses, documented in --help and in man/raftescort.1.
inline constexpr int k_exit_success = 0;
/// The command ran and failed (peer or proxy unreachable, I/O error).
inline constexpr int k_exit_failure = 1;
/// The command line was wrong, or the requested role is not in this build.
inline constexpr int k_exit_usage = 2;

/// Ends the program with `exit_status`; main() prints
/// "raftescort <command>: <what()>" on stderr.
class ExitError : public std::runtime_error {
public:
    ExitError(int exit_status, std::string command, const std::string& reason);

    int exit_status() const { return m_exit_status; }
    /// The subcommand path that failed, e.g. "node" or "ctl status".
    const std::string& command() const { return m_command; }

private:
    int m_exit_status;
    std::string m_command;
};

/// Throws the ExitError of a role that this build does not contain yet.
/// `tracking` names where the work is tracked ("issue #4"), or is empty.
[[noreturn]] void throw_role_unavailable(std::string_view command, std::string_view tracking);

} // namespace raftescort::cmd
