#pragma once

// The live dashboard: one self-contained HTML page (inline CSS and JS, SVG
// drawing, no build step, no CDN), served by the proxy at GET /. It reads
// GET /nodes, /elections, /leaders, /mission once and then follows
// GET /events (server-sent events) without reloading. See proxy.hpp.

#include <string_view>

namespace raftescort::proxy {

/// The whole page, compiled into the binary.
std::string_view dashboard_page();

} // namespace raftescort::proxy
