#include "node/node_server.hpp"
#include "node/signal_wait.hpp"

#include <raftescort/node/node.hpp>

#include <spdlog/spdlog.h>

#include <mutex>
#include <string>

namespace raftescort::node {

util::Status run_node(const NodeSettings& settings)
{
    // First, so every thread the node starts has the signals blocked and
    // only the waits of this thread see them.
    SignalWait signals;
    std::mutex fatal_mutex;
    std::string fatal_message;
    RE_TRY(node, NodeServer::start(settings, signals,
                                   [&fatal_mutex, &fatal_message](const std::string& message) {
                                       std::lock_guard lock(fatal_mutex);
                                       fatal_message = message;
                                       SignalWait::raise_fatal();
                                   }));
    int signal = signals.wait(-1);
    spdlog::info("stopping on signal {}: no leadership handover, by design", signal);
    node->stop();
    if (signal == SignalWait::k_fatal_signal) {
        std::lock_guard lock(fatal_mutex);
        return util::make_error(util::ErrorCode::io_error, fatal_message);
    }
    return util::Ok{};
}

} // namespace raftescort::node
