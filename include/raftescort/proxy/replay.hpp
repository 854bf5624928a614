#pragma once

// `raftescort replay FILE`: serves the dashboard and the proxy's read routes
// from a recording (man/raftescort-proxy.1, RECORDING and REPLAY), with
// play, pause, step, seek and speed through GET and POST /replay.

#include <raftescort/util/result.hpp>

#include <cstdint>
#include <string>

namespace raftescort::proxy {

struct ReplaySettings {
    std::string file;
    std::string listen_host = "127.0.0.1";
    /// 0: any free port (the log says which).
    std::uint16_t listen_port = 8889;
    /// Recording ms per wall-clock ms while playing.
    double speed = 1.0;
    /// Required on POST /replay as "Authorization: Bearer TOKEN"; empty
    /// means "generate one and log it with the dashboard's address".
    std::string admin_token;
};

/// Serves the replay until SIGTERM or SIGINT (Ok), or fails to start.
util::Status run_replay(const ReplaySettings& settings);

} // namespace raftescort::proxy
