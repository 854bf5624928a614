#pragma once

// `raftescort replay FILE`: the dashboard and the proxy's read routes served
// from a recording, with play, pause, step, seek and speed.

#include <CLI/CLI.hpp>

namespace raftescort::cmd {

/// Adds the `replay` subcommand to `app`.
void setup_replay_command(CLI::App& app);

} // namespace raftescort::cmd
