#pragma once

// The IP addresses of this machine's network interfaces, as text. A node
// reports them in its GET /status and the proxy shows its own in GET
// /status, so that a client can name a node by the address it knows it by:
// under docker compose a node is named by its container's hostname, but
// people (and the original project's docs) pass its container IP.

#include <cstddef>
#include <string>
#include <vector>

namespace raftescort::transport {

/// A bound on the addresses reported: a container has two or three, a host
/// with many bridges a dozen; beyond this the list would only be noise.
inline constexpr std::size_t k_interface_ips_max = 16;

/// The addresses of the interfaces that are up, IPv4 first, each once, at
/// most k_interface_ips_max. Loopback and IPv6 link-local addresses are left
/// out (every machine has them, so they name no one), unless the machine has
/// nothing else, when its loopback addresses are the honest answer. Read
/// again at most every few seconds (a container gains an interface on
/// `docker network connect`); thread-safe. Empty if the system refuses.
std::vector<std::string> interface_ips();

} // namespace raftescort::transport
