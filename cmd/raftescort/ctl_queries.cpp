// The read-only ctl commands: status, elections, leaders, positions, logs,
// mission show. Each is one or two GETs and a table (or, with --json, the
// answer's data as it came).

#include "ctl_commands.hpp"
#include "ctl_format.hpp"
#include "ctl_table.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <iostream>
#include <string>

namespace raftescort::cmd {

namespace {

using nlohmann::json;

bool is_node_id(const std::string& text)
{
    // 19 digits always fit in 64 bits.
    return !text.empty() && text.size() <= 19
           && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "granted", "refused (already voted for 1)"
std::string ballot_text(const json& candidacy, const std::string& voter, const json& granted)
{
    if (!granted.is_boolean()) {
        return value_text(granted);
    }
    if (granted.get<bool>()) {
        return "granted";
    }
    const std::string reason = field_text(field(candidacy, "reasons"), voter.c_str());
    return reason == k_ctl_no_value ? "refused" : "refused (" + reason + ")";
}

void print_candidacy(const json& candidacy)
{
    // {"<voter>": granted}; "ballots" is the original project's list, and
    // was this map before the proxy kept it as ballots_by_id.
    const json& by_id = field(candidacy, "ballots_by_id");
    const json& ballots = by_id.is_object() ? by_id : field(candidacy, "ballots");
    const std::vector<std::string> voters = keys_in_order(ballots);
    std::size_t votes = 0;
    for (const std::string& voter : voters) {
        votes += ballots[voter].is_boolean() && ballots[voter].get<bool>() ? 1 : 0;
    }
    std::cout << "  candidate " << field_text(candidacy, "candidate") << ": "
              << field_text(candidacy, "outcome");
    // A node that founds a cluster wins alone, without a ballot.
    if (voters.empty()) {
        std::cout << ", no ballots\n";
        return;
    }
    std::cout << ", " << votes << " of " << voters.size()
              << (voters.size() == 1 ? " vote" : " votes") << '\n';
    for (const std::string& voter : voters) {
        std::cout << "    " << voter << ": " << ballot_text(candidacy, voter, ballots[voter])
                  << '\n';
    }
}

// "timestamp" is the original project's float seconds; a proxy before
// "timestamp_ms" sent integer milliseconds there.
const json& elected_ms(const json& leader)
{
    const json& ms = field(leader, "timestamp_ms");
    return ms.is_null() ? field(leader, "timestamp") : ms;
}

CtlTable log_table(const json& entries)
{
    CtlTable table({"INDEX", "TERM", "TYPE", "COMMAND"});
    for (const json& entry : as_list(entries)) {
        table.add_row({field_text(entry, "index"), field_text(entry, "term"),
                       field_text(entry, "type"), field_text(entry, "command")});
    }
    return table;
}

// The address /logs?ip= takes for `node`: itself, or for an id the name
// GET /nodes gives it.
std::string node_address(CtlContext& context, const std::string& node)
{
    if (!is_node_id(node)) {
        return node;
    }
    const json nodes = data_or_exit(context.client, context.client.get("/nodes"));
    for (const json& entry : as_list(nodes)) {
        if (field_unsigned(entry, "id") == std::stoull(node)) {
            const std::string name = field_text(entry, "name");
            return name == k_ctl_no_value ? field_text(entry, "_name") : name;
        }
    }
    throw_ctl_error(
        context.client,
        util::make_error(util::ErrorCode::rejected,
                         "no node with id " + node + " (see 'raftescort ctl status' for the ids)"));
}

} // namespace

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

CtlTable nodes_table(const json& nodes)
{
    CtlTable table(
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

CtlTable positions_table(const json& positions)
{
    // A move's positions carry no role; GET /nodes/position's do.
    bool roles = false;
    for (const json& entry : as_list(positions)) {
        roles = roles || !field(entry, "role").is_null();
    }
    CtlTable table(roles ? std::vector<std::string>{"ID", "NODE", "ROLE", "POSITION"}
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

void run_ctl_status(CtlContext& context)
{
    const json status = data_or_exit(context.client, context.client.get("/status"));
    const json nodes = data_or_exit(context.client, context.client.get("/nodes"));
    if (context.options.json) {
        print_json(std::cout, json{{"status", status}, {"nodes", nodes}});
        return;
    }
    CtlTable table(
        {"ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "POSITION", "LAST CONTACT"});
    for (const json& node : as_list(nodes)) {
        table.add_row({field_text(node, "id"), field_text(node, "name"), field_text(node, "role"),
                       field_text(node, "term"), field_text(node, "commit_index"),
                       field_text(node, "applied_index"), field_text(node, "lag"),
                       field_text(node, "position"),
                       duration_ms_text(field(node, "last_contact_ms"))});
    }
    table.print(std::cout);
    std::cout << cluster_summary(status) << '\n';
}

void run_ctl_elections(CtlContext& context)
{
    const std::uint64_t term = context.options.term;
    const std::string target = term == 0 ? "/elections" : "/elections?term=" + std::to_string(term);
    const json elections = data_or_exit(context.client, context.client.get(target));
    if (context.options.json) {
        print_json(std::cout, elections);
        return;
    }
    const std::vector<std::string> terms = keys_in_order(elections);
    if (terms.empty()) {
        std::cout << "no elections recorded\n";
        return;
    }
    for (const std::string& key : terms) {
        std::cout << "term " << key << '\n';
        for (const json& candidacy : as_list(elections[key])) {
            print_candidacy(candidacy);
        }
    }
}

void run_ctl_leaders(CtlContext& context)
{
    const std::uint64_t term = context.options.term;
    const std::string target = term == 0 ? "/leaders" : "/leaders?term=" + std::to_string(term);
    const json leaders = data_or_exit(context.client, context.client.get(target));
    if (context.options.json) {
        print_json(std::cout, leaders);
        return;
    }
    CtlTable table({"TERM", "LEADER", "ADDRESS", "VOTES", "TIME"});
    for (const std::string& key : keys_in_order(leaders)) {
        const json& leader = leaders[key];
        std::string votes = field_text(leader, "votes");
        if (votes != k_ctl_no_value && field_text(leader, "voters") != k_ctl_no_value) {
            votes += "/" + field_text(leader, "voters");
        }
        table.add_row({key, field_text(leader, "id"), field_text(leader, "name"), votes,
                       timestamp_ms_text(elected_ms(leader))});
    }
    table.print(std::cout);
}

void run_ctl_positions(CtlContext& context)
{
    const json positions = data_or_exit(context.client, context.client.get("/nodes/position"));
    if (context.options.json) {
        print_json(std::cout, positions);
        return;
    }
    positions_table(positions).print(std::cout);
}

void run_ctl_logs(CtlContext& context)
{
    if (!context.options.node.empty()) {
        const std::string address = node_address(context, context.options.node);
        const json entries = data_or_exit(
            context.client, context.client.get("/logs?ip=" + encode_query_value(address)));
        if (context.options.json) {
            print_json(std::cout, entries);
            return;
        }
        log_table(entries).print(std::cout);
        return;
    }
    const json logs = data_or_exit(context.client, context.client.get("/logs"));
    if (context.options.json) {
        print_json(std::cout, logs);
        return;
    }
    bool first = true;
    for (const std::string& name : keys_in_order(logs)) {
        std::cout << (first ? "" : "\n") << name << '\n';
        first = false;
        log_table(logs[name]).print(std::cout, "  ");
    }
}

void run_ctl_mission_show(CtlContext& context)
{
    const json mission = data_or_exit(context.client, context.client.get("/mission"));
    if (context.options.json) {
        print_json(std::cout, mission);
        return;
    }
    std::cout << "mission " << mission_text(mission, field(mission, "lead")) << '\n';
}

} // namespace raftescort::cmd
