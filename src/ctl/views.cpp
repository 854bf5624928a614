#include "ctl/views.hpp"

#include "ctl/format.hpp"

#include <utility>
#include <vector>

namespace raftescort::ctl {

using nlohmann::json;

std::string cluster_summary(const json& status)
{
    std::string line;
    if (field_unsigned(status, "leader") == 0) {
        line = "no leader";
    } else {
        line = "leader " + field_text(status, "leader") + " (" + field_text(status, "leader_name")
               + ")";
    }
    line += ", term " + field_text(status, "term");
    line += "; " + field_text(status, "reachable") + " of " + field_text(status, "nodes")
            + " nodes reachable";
    const json& redis_connected = field(status, "redis_connected");
    if (redis_connected.is_boolean()) {
        line += redis_connected.get<bool>() ? "; redis connected" : "; redis down";
    }
    return line;
}

std::string protocol_summary(const json& nodes)
{
    std::string line;
    for (auto [key, name] : {std::pair{"pre_vote", "pre-vote"},
                             std::pair{"check_quorum", "check-quorum"}}) {
        std::vector<std::string> on;
        std::vector<std::string> off;
        for (const json& node : as_list(nodes)) {
            const json& value = field(field(node, "timing"), key);
            if (value.is_boolean()) {
                (value.get<bool>() ? on : off).push_back(field_text(node, "id"));
            }
        }
        if (on.empty() && off.empty()) {
            continue;
        }
        // The setting most nodes have, then the nodes that differ.
        const bool mostly_on = on.size() >= off.size();
        const std::vector<std::string>& others = mostly_on ? off : on;
        line += (line.empty() ? "" : ", ") + std::string(name) + (mostly_on ? " on" : " off");
        if (!others.empty()) {
            line += mostly_on ? " (off on " : " (on on ";
            for (std::size_t i = 0; i < others.size(); ++i) {
                line += (i == 0 ? "" : ", ") + others[i];
            }
            line += ")";
        }
    }
    return line;
}

Table nodes_table(const json& nodes)
{
    Table table(
        {"ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "POSITION", "LAST CONTACT"});
    for (const json& node : as_list(nodes)) {
        table.add_row({field_text(node, "id"), field_text(node, "name"), field_text(node, "role"),
                       field_text(node, "term"), field_text(node, "commit_index"),
                       field_text(node, "applied_index"), field_text(node, "lag"),
                       field_text(node, "position"),
                       duration_ms_text(field(node, "last_contact_ms"))});
    }
    return table;
}

Table positions_table(const json& positions)
{
    // A move's positions carry no role; GET /nodes/position's do.
    bool roles = false;
    for (const json& entry : as_list(positions)) {
        roles = roles || !field(entry, "role").is_null();
    }
    Table table(roles ? std::vector<std::string>{"ID", "NODE", "ROLE", "POSITION"}
                      : std::vector<std::string>{"ID", "NODE", "POSITION"});
    for (const json& entry : as_list(positions)) {
        std::vector<std::string> row{field_text(entry, "id"), field_text(entry, "node")};
        if (roles) {
            row.push_back(field_text(entry, "role"));
        }
        row.push_back(field_text(entry, "position"));
        table.add_row(std::move(row));
    }
    return table;
}

Table log_table(const json& entries)
{
    Table table({"INDEX", "TERM", "TYPE", "COMMAND"});
    for (const json& entry : as_list(entries)) {
        table.add_row({field_text(entry, "index"), field_text(entry, "term"),
                       field_text(entry, "type"), field_text(entry, "command")});
    }
    return table;
}

} // namespace raftescort::ctl
