#pragma once

// Whether a peer's process is gone, as far as one TCP connect can tell: a
// connect to a port nobody listens on is refused at once (a RST), while a
// paused process still completes the handshake in its kernel and a cut link
// times out. So only a refusal is a fact worth acting on.

#include <chrono>
#include <cstdint>
#include <string>

namespace raftescort::transport::http {

/// True when a TCP connect to host:port was refused within `timeout`; false
/// when it connected, timed out, or failed any other way (including a host
/// that does not resolve). Binds to `source_ip` first when it is not empty.
bool connection_refused(const std::string& host, std::uint16_t port, const std::string& source_ip,
                        std::chrono::milliseconds timeout);

} // namespace raftescort::transport::http
