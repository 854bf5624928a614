#pragma once

// What the long-running roles (node, proxy) do the same way before they run.

#include <cstdint>
#include <string>

namespace raftescort::cmd {

/// A validated --listen value, split for bind(): brackets around an IPv6
/// host are dropped.
struct ListenAddress {
    std::string host;
    std::string port_text;
    std::uint16_t port = 0;
};

/// Splits a HOST:PORT that listen_address_validator() already accepted.
ListenAddress split_listen_address(const std::string& listen);

/// Logs go to stderr, so stdout stays free for anything a script reads;
/// each line names the role.
void set_up_logging(const std::string& role, const std::string& level);

} // namespace raftescort::cmd
