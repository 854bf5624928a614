#include "role_setup.hpp"

#include <raftescort/util/assert.hpp>
#include <raftescort/util/host_port.hpp>
#include <raftescort/util/result.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace raftescort::cmd {

ListenAddress split_listen_address(const std::string& listen)
{
    const util::Result<util::HostPort> parsed = util::parse_host_port(listen);
    // listen_address_validator() accepted it by the same rules.
    RE_ASSERT(parsed.ok());
    ListenAddress address;
    address.host = parsed.value().host;
    address.port = parsed.value().port;
    address.port_text = std::to_string(address.port);
    RE_ASSERT(address.port != 0);
    return address;
}

void set_up_logging(const std::string& role, const std::string& level)
{
    spdlog::set_default_logger(spdlog::stderr_color_mt("raftescort"));
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e " + role + " %l: %v");
}

} // namespace raftescort::cmd
