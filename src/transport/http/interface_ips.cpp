// Interface addresses (include/raftescort/transport/interface_ips.hpp).

#include <raftescort/transport/interface_ips.hpp>

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace raftescort::transport {

namespace {

/// How long a reading stays fresh: /status is polled four times a second,
/// and an interface that comes or goes shows within this.
constexpr std::chrono::seconds k_interface_refresh_interval{5};

struct InterfaceReading {
    std::vector<std::string> ipv4;
    std::vector<std::string> ipv6;
    std::vector<std::string> loopback;
};

void add_address_once(std::vector<std::string>& list, const std::string& address)
{
    if (std::find(list.begin(), list.end(), address) == list.end()) {
        list.push_back(address);
    }
}

/// One interface address into the reading, or nothing for another family.
void read_interface_address(const ifaddrs& entry, InterfaceReading& reading)
{
    if (entry.ifa_addr == nullptr || (entry.ifa_flags & IFF_UP) == 0) {
        return;
    }
    const bool loopback = (entry.ifa_flags & IFF_LOOPBACK) != 0;
    char text[INET6_ADDRSTRLEN] = {};
    if (entry.ifa_addr->sa_family == AF_INET) {
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry.ifa_addr);
        if (::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text)) == nullptr) {
            return;
        }
        add_address_once(loopback ? reading.loopback : reading.ipv4, text);
        return;
    }
    if (entry.ifa_addr->sa_family == AF_INET6) {
        const auto* address = reinterpret_cast<const sockaddr_in6*>(entry.ifa_addr);
        // A link-local address needs its interface's name to be reached, and
        // every interface has one: it names no machine.
        if (IN6_IS_ADDR_LINKLOCAL(&address->sin6_addr)) {
            return;
        }
        if (::inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof(text)) == nullptr) {
            return;
        }
        add_address_once(loopback ? reading.loopback : reading.ipv6, text);
    }
}

std::vector<std::string> read_interface_ips()
{
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return {};
    }
    InterfaceReading reading;
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        read_interface_address(*entry, reading);
    }
    ::freeifaddrs(list);
    std::vector<std::string> addresses = std::move(reading.ipv4);
    addresses.insert(addresses.end(), reading.ipv6.begin(), reading.ipv6.end());
    if (addresses.empty()) {
        addresses = std::move(reading.loopback);
    }
    if (addresses.size() > k_interface_ips_max) {
        addresses.resize(k_interface_ips_max);
    }
    RE_ASSERT(addresses.size() <= k_interface_ips_max);
    return addresses;
}

} // namespace

std::vector<std::string> interface_ips()
{
    static std::mutex mutex;
    static std::vector<std::string> cached;
    static std::chrono::steady_clock::time_point read_at;
    static bool read_once = false;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    if (!read_once || now - read_at >= k_interface_refresh_interval) {
        cached = read_interface_ips();
        read_at = now;
        read_once = true;
    }
    return cached;
}

} // namespace raftescort::transport
