#pragma once

// Where each peer can be reached. Fed from three sources, newest wins: the
// address a node gave when it joined (in the conf change), the Redis
// registrations, and the address header of every message a peer sends (so
// a node restarted on a new address is found from its first message).

#include <raftescort/raft/types.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace raftescort::node {

class AddressBook {
public:
    /// Records `address` for `node`; returns true if it changed.
    bool set(raft::NodeId node, const std::string& address);
    std::optional<std::string> get(raft::NodeId node) const;
    std::map<raft::NodeId, std::string> all() const;
    /// Increases on every change, so the loop can notice cheaply.
    std::uint64_t version() const;

private:
    mutable std::mutex m_mutex;
    std::map<raft::NodeId, std::string> m_addresses;
    std::uint64_t m_version = 0;
};

} // namespace raftescort::node
