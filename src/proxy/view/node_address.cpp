#include "proxy/view/node_address.hpp"

#include <raftescort/transport/raft_endpoint.hpp>

#include <algorithm>
#include <functional>
#include <vector>

namespace raftescort::proxy {

namespace {

/// The names a node is known by: the proxy's, its own, and its leader's.
std::vector<std::string> names_of(const ClusterSnapshot& snapshot, const NodeView& node)
{
    std::vector<std::string> names{node.name};
    if (!node.own_name.empty()) {
        names.push_back(node.own_name);
    }
    if (const NodeView* leader = snapshot.leader_view()) {
        for (const PeerView& peer : leader->peers) {
            if (peer.id == node.id && !peer.name.empty()) {
                names.push_back(peer.name);
            }
        }
    }
    return names;
}

bool named(const std::vector<std::string>& names, const std::string& address)
{
    return std::find(names.begin(), names.end(), address) != names.end();
}

bool hosted(const std::vector<std::string>& names, const std::string& address)
{
    return std::any_of(names.begin(), names.end(), [&address](const std::string& name) {
        std::string host;
        std::uint16_t port = 0;
        return transport::split_host_port(name, host, port) && host == address;
    });
}

std::string trimmed(const std::string& text)
{
    const char* blanks = " \t\r\n";
    const std::size_t first = text.find_first_not_of(blanks);
    if (first == std::string::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

} // namespace

util::Result<const NodeView*> find_node_by_address(const ClusterSnapshot& snapshot,
                                                   const std::string& address)
{
    const std::string wanted = trimmed(address);
    const std::string quoted = "\"" + wanted.substr(0, 80) + "\"";
    using Rule = std::function<bool(const NodeView&)>;
    const Rule rules[] = {
        [&](const NodeView& node) { return named(names_of(snapshot, node), wanted); },
        [&](const NodeView& node) { return hosted(names_of(snapshot, node), wanted); },
        [&](const NodeView& node) { return named(node.interface_ips, wanted); },
    };
    if (wanted.empty()) {
        return util::make_error(util::ErrorCode::not_found, "no node at \"\"");
    }
    for (const Rule& rule : rules) {
        std::vector<const NodeView*> found;
        for (const NodeView& node : snapshot.nodes) {
            if (rule(node)) {
                found.push_back(&node);
            }
        }
        if (found.size() == 1) {
            return found.front();
        }
        if (found.size() > 1) {
            std::string names;
            for (const NodeView* node : found) {
                names += (names.empty() ? "" : ", ") + node->name;
            }
            return util::make_error(util::ErrorCode::rejected,
                                    quoted + " is an address of " + std::to_string(found.size())
                                        + " nodes (" + names
                                        + "): give one's host:port, as GET /nodes lists them");
        }
    }
    return util::make_error(util::ErrorCode::not_found,
                            "no node at " + quoted
                                + " (give its host:port, its host, or an IP of its machine)");
}

} // namespace raftescort::proxy
