#include "node/address_book.hpp"

namespace raftescort::node {

bool AddressBook::set(raft::NodeId node, const std::string& address)
{
    if (node == raft::k_no_node || address.empty()) {
        return false;
    }
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_addresses.try_emplace(node, address);
    if (!inserted && it->second == address) {
        return false;
    }
    it->second = address;
    ++m_version;
    return true;
}

std::optional<std::string> AddressBook::get(raft::NodeId node) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_addresses.find(node);
    if (it == m_addresses.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::map<raft::NodeId, std::string> AddressBook::all() const
{
    std::lock_guard lock(m_mutex);
    return m_addresses;
}

std::uint64_t AddressBook::version() const
{
    std::lock_guard lock(m_mutex);
    return m_version;
}

} // namespace raftescort::node
