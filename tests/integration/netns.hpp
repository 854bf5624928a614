#pragma once

// Network partitions for the integration tests: a private network namespace
// for the test process, and iptables rules inside it that cut single links
// between the nodes' loopback addresses.
//
// Node i listens on and binds its outgoing connections to 127.0.0.(10+i), so
// `iptables -A INPUT -s A -d B -j DROP` drops exactly the packets node A sends
// to node B. The test's own clients and Redis use 127.0.0.1, which no rule
// names: the test can always see every node, and every node sees Redis.

#include "integration/process.hpp"

#include <catch2/catch.hpp>

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace raftescort::integration {

enum class NamespaceEntry { entered, not_permitted };

/// Moves the calling thread into a new network namespace and brings its
/// loopback up. Call it first in the test, before any thread or child is
/// started: unshare(CLONE_NEWNET) moves only the calling thread, and threads
/// and children inherit the namespace of the thread that creates them.
/// ctest runs each test case in its own process, so the host's network is
/// never touched. Returns not_permitted when the kernel refuses (no
/// CAP_SYS_ADMIN, as in an unprivileged container).
inline NamespaceEntry enter_private_network_namespace()
{
    if (::unshare(CLONE_NEWNET) != 0) {
        int error = errno;
        if (error == EPERM) {
            return NamespaceEntry::not_permitted;
        }
        FAIL("unshare(CLONE_NEWNET): " << ::strerror(error));
    }
    std::string ip = find_executable("ip");
    if (ip.empty()) {
        FAIL("`ip` is not installed (apt-get install iproute2); a new network namespace "
             "needs it to bring lo up");
    }
    std::string output;
    int code = run_command({ip, "link", "set", "lo", "up"}, &output);
    INFO("ip link set lo up: " << output);
    REQUIRE(code == 0);
    return NamespaceEntry::entered;
}

/// iptables rules in the test's namespace. The destructor removes them all.
class Firewall {
public:
    Firewall() : m_iptables(find_executable("iptables"))
    {
        if (m_iptables.empty()) {
            FAIL("iptables is not installed (apt-get install iptables); the partition tests "
                 "need it");
        }
        heal();
    }
    ~Firewall()
    {
        std::string ignored;
        run_command({m_iptables, "-w", "-F", "INPUT"}, &ignored);
    }
    Firewall(const Firewall&) = delete;
    Firewall& operator=(const Firewall&) = delete;

    /// One direction: packets from `source` to `destination` are dropped.
    /// Over TCP this also stops the acknowledgements, so a one-way rule is
    /// still a partial cut: see the asymmetric scenario.
    void drop(const std::string& source, const std::string& destination)
    {
        iptables({"-A", "INPUT", "-s", source, "-d", destination, "-j", "DROP"});
    }

    /// Both directions between two addresses.
    void cut(const std::string& a, const std::string& b)
    {
        drop(a, b);
        drop(b, a);
    }

    /// Every link between the two groups, both ways.
    void split(const std::vector<std::string>& side_a, const std::vector<std::string>& side_b)
    {
        for (const auto& a : side_a) {
            for (const auto& b : side_b) {
                cut(a, b);
            }
        }
    }

    /// Removes every rule.
    void heal() { iptables({"-F", "INPUT"}); }

private:
    void iptables(std::vector<std::string> arguments)
    {
        // -w waits for the xtables lock, which is a file shared with any
        // other test namespace running iptables at the same time.
        arguments.insert(arguments.begin(), {m_iptables, "-w"});
        std::string output;
        int code = run_command(arguments, &output);
        INFO("iptables " << arguments[2] << "...: " << output);
        REQUIRE(code == 0);
    }

    std::string m_iptables;
};

} // namespace raftescort::integration
