#include "proxy/api/chaos_targets.hpp"

#include <algorithm>
#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

constexpr std::size_t k_target_ids_max = 64;

util::Error refuse(std::string message)
{
    return util::Error{util::ErrorCode::invalid_argument, std::move(message)};
}

/// A positive integer, however the JSON was made (parsed text holds
/// non-negative numbers as unsigned, a literal 3 in code as signed).
std::uint64_t positive_id(const json& value)
{
    if (value.is_number_unsigned()) {
        return value.get<std::uint64_t>();
    }
    if (value.is_number_integer() && value.get<std::int64_t>() > 0) {
        return static_cast<std::uint64_t>(value.get<std::int64_t>());
    }
    return 0;
}

bool is_member(const ChaosMembers& members, std::uint64_t id)
{
    return std::binary_search(members.ids.begin(), members.ids.end(), id);
}

/// The leader, then the lowest other ids, up to a minority of the members.
std::vector<std::uint64_t> minority_of(const ChaosMembers& members)
{
    const std::size_t size = (members.ids.size() - 1) / 2;
    std::vector<std::uint64_t> chosen;
    if (members.leader != 0 && is_member(members, members.leader) && size > 0) {
        chosen.push_back(members.leader);
    }
    for (std::uint64_t id : members.ids) {
        if (chosen.size() >= size) {
            break;
        }
        if (id != members.leader) {
            chosen.push_back(id);
        }
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

util::Result<std::vector<std::uint64_t>> resolve_role(const std::string& role,
                                                      const ChaosMembers& members)
{
    if (members.ids.empty()) {
        return util::Error{util::ErrorCode::unavailable, "the proxy knows no node yet"};
    }
    if (role == "all") {
        return members.ids;
    }
    if (role == "leader") {
        if (members.leader == 0) {
            // Not the request's fault: the same request may work in a moment.
            return util::Error{util::ErrorCode::unavailable,
                               "target \"leader\": there is no leader now"};
        }
        return std::vector<std::uint64_t>{members.leader};
    }
    if (role == "followers") {
        return complement({members.leader}, members);
    }
    if (role == "minority" || role == "majority") {
        if (members.ids.size() < 3) {
            return refuse("target \"" + role + "\": a cluster of "
                          + std::to_string(members.ids.size()) + " has no minority to split off");
        }
        std::vector<std::uint64_t> minority = minority_of(members);
        return role == "minority" ? minority : complement(minority, members);
    }
    return refuse("unknown target \"" + role.substr(0, 40)
                  + "\"; use node ids or all, leader, followers, minority, majority");
}

} // namespace

util::Result<std::vector<std::uint64_t>> resolve_chaos_target(const json& target,
                                                              const ChaosMembers& members)
{
    if (target.is_string()) {
        return resolve_role(target.get<std::string>(), members);
    }
    json ids = target.is_array() ? target : json::array({target});
    if (ids.empty() || ids.size() > k_target_ids_max) {
        return refuse("\"target\" must be a role or 1 to " + std::to_string(k_target_ids_max)
                      + " node ids");
    }
    std::vector<std::uint64_t> chosen;
    for (const json& id : ids) {
        const std::uint64_t node = positive_id(id);
        if (node == 0) {
            return refuse("\"target\" must be a role (all, leader, followers, minority, "
                          "majority) or node ids");
        }
        if (!is_member(members, node)) {
            return refuse("target node " + std::to_string(node) + " is not a node the proxy knows");
        }
        chosen.push_back(node);
    }
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    return chosen;
}

std::vector<std::uint64_t> complement(const std::vector<std::uint64_t>& chosen,
                                      const ChaosMembers& members)
{
    std::vector<std::uint64_t> rest;
    for (std::uint64_t id : members.ids) {
        if (std::find(chosen.begin(), chosen.end(), id) == chosen.end()) {
            rest.push_back(id);
        }
    }
    return rest;
}

} // namespace raftescort::proxy
