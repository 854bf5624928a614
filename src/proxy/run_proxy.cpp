#include "proxy/proxy_server.hpp"

#include <raftescort/proxy/proxy.hpp>
#include <raftescort/transport/signal_wait.hpp>

#include <spdlog/spdlog.h>

namespace raftescort::proxy {

util::Status run_proxy(const ProxySettings& settings)
{
    // First, so every thread the proxy starts has the signals blocked and
    // only the wait below sees them.
    transport::SignalWait signals;
    RE_TRY(proxy, ProxyServer::start(settings));
    int signal = signals.wait(-1);
    spdlog::info("stopping on signal {}", signal);
    proxy->stop();
    spdlog::info("stopped");
    return util::Ok{};
}

} // namespace raftescort::proxy
