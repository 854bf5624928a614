#include "role_setup.hpp"

#include <raftescort/util/assert.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace raftescort::cmd {

ListenAddress split_listen_address(const std::string& listen)
{
    const std::size_t colon = listen.rfind(':');
    RE_ASSERT(colon != std::string::npos); // the validator made it HOST:PORT
    ListenAddress address;
    address.host = listen.substr(0, colon);
    address.port_text = listen.substr(colon + 1);
    if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
        address.host = address.host.substr(1, address.host.size() - 2);
    }
    address.port = static_cast<std::uint16_t>(std::stoul(address.port_text));
    return address;
}

void set_up_logging(const std::string& role, const std::string& level)
{
    spdlog::set_default_logger(spdlog::stderr_color_mt("raftescort"));
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e " + role + " %l: %v");
}

} // namespace raftescort::cmd
