#pragma once

// Names the calling thread, so that `top -H`, `ps -L`, perf and gdb tell a
// node's loop from its senders, server threads and registry worker.

#include <string_view>

namespace raftescort::transport {

/// The kernel keeps the first 15 bytes of `name`.
void name_this_thread(std::string_view name);

} // namespace raftescort::transport
