// raftescort: one binary, every role. main() only parses the command line,
// dispatches to the role's command, and is the one place that turns errors
// into a line on stderr and an exit status.

#include "ctl_command.hpp"
#include "exit_error.hpp"
#include "node_command.hpp"
#include "proxy_command.hpp"
#include "replay_command.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <string>

#ifndef RAFTESCORT_VERSION
#define RAFTESCORT_VERSION "0.1.0"
#endif

using namespace raftescort::cmd;

namespace {

// The help command for the deepest subcommand parsed so far, for usage
// errors: "raftescort ctl mission --help".
std::string help_command(const CLI::App& app)
{
    std::string command = app.get_name();
    const CLI::App* current = &app;
    while (!current->get_subcommands().empty()) {
        current = current->get_subcommands().front();
        command += " " + current->get_name();
    }
    return command + " --help";
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"A Raft cluster whose replicated state is an escort convoy", "raftescort"};
    app.footer("Exit status: 0 success; 1 runtime failure; 2 usage error, or the role is not in "
               "this build.");
    app.set_version_flag("--version", "raftescort " RAFTESCORT_VERSION);
    app.require_subcommand(1);
    setup_node_command(app);
    setup_proxy_command(app);
    setup_ctl_command(app);
    setup_replay_command(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version arrive here too, with exit code 0.
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            return app.exit(e);
        }
        std::cerr << "raftescort: error: " << e.what() << " (see '" << help_command(app) << "')\n";
        return k_exit_usage;
    } catch (const ExitError& e) {
        std::cerr << "raftescort " << e.command() << ": " << e.what() << '\n';
        return e.exit_status();
    } catch (const std::exception& e) {
        std::cerr << "raftescort: error: " << e.what() << '\n';
        return k_exit_failure;
    }
    return k_exit_success;
}
