#pragma once

// The live dashboard: one self-contained HTML page (inline CSS and JS, SVG
// drawing, no CDN), served by the proxy at GET /. Its files live in
// src/proxy/dashboard and are compiled into the binary. It reads
// GET /nodes, /elections, /leaders, /mission once and then follows
// GET /events (server-sent events) without reloading. See proxy.hpp.

#include <string_view>

namespace raftescort::proxy {

/// The whole page, compiled into the binary.
std::string_view dashboard_page();

} // namespace raftescort::proxy
