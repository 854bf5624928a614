// The read-only ctl commands: status, elections, leaders, positions, logs,
// mission show. Each is one or two GETs and a table (or, with --json, the
// answer's data as it came).

#include "ctl/commands.hpp"
#include "ctl/format.hpp"
#include "ctl/log_views.hpp"
#include "ctl/table.hpp"
#include "ctl/views.hpp"

#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <optional>
#include <string>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

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
    return reason == k_no_value ? "refused" : "refused (" + reason + ")";
}

void print_candidacy(std::ostream& out, const json& candidacy)
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
    out << "  candidate " << field_text(candidacy, "candidate") << ": "
        << field_text(candidacy, "outcome");
    // A node that founds a cluster wins alone, without a ballot.
    if (voters.empty()) {
        out << ", no ballots\n";
        return;
    }
    out << ", " << votes << " of " << voters.size() << (voters.size() == 1 ? " vote" : " votes")
        << '\n';
    for (const std::string& voter : voters) {
        out << "    " << voter << ": " << ballot_text(candidacy, voter, ballots[voter]) << '\n';
    }
}

// "timestamp" is the original project's float seconds; a proxy before
// "timestamp_ms" sent integer milliseconds there.
const json& elected_ms(const json& leader)
{
    const json& ms = field(leader, "timestamp_ms");
    return ms.is_null() ? field(leader, "timestamp") : ms;
}

// The address /logs?ip= takes for `node`: itself, or for an id the name
// GET /nodes gives it.
util::Result<std::string> node_address(CommandContext& context, const std::string& node)
{
    const std::optional<std::uint64_t> id = util::parse_decimal<std::uint64_t>(node);
    if (!id) {
        return node;
    }
    RE_TRY(nodes, context.client.get("/nodes"));
    for (const json& entry : as_list(nodes)) {
        if (field_unsigned(entry, "id") == *id) {
            const std::string name = field_text(entry, "name");
            return name == k_no_value ? field_text(entry, "_name") : name;
        }
    }
    return util::make_error(util::ErrorCode::rejected,
                            "no node with id " + node
                                + " (see 'raftescort ctl status' for the ids)");
}

} // namespace

util::Status run_status(CommandContext& context)
{
    RE_TRY(status, context.client.get("/status"));
    RE_TRY(nodes, context.client.get("/nodes"));
    if (context.settings.json) {
        print_json(context.out, json{{"status", status}, {"nodes", nodes}});
        return util::Ok{};
    }
    nodes_table(nodes).print(context.out);
    context.out << cluster_summary(status) << '\n';
    const std::string protocol = protocol_summary(nodes);
    if (!protocol.empty()) {
        context.out << protocol << '\n';
    }
    return util::Ok{};
}

util::Status run_elections(CommandContext& context)
{
    const std::uint64_t term = context.settings.term;
    const std::string target = term == 0 ? "/elections" : "/elections?term=" + std::to_string(term);
    RE_TRY(elections, context.client.get(target));
    if (context.settings.json) {
        print_json(context.out, elections);
        return util::Ok{};
    }
    const std::vector<std::string> terms = keys_in_order(elections);
    if (terms.empty()) {
        context.out << "no elections recorded\n";
        return util::Ok{};
    }
    for (const std::string& key : terms) {
        context.out << "term " << key << '\n';
        for (const json& candidacy : as_list(elections[key])) {
            print_candidacy(context.out, candidacy);
        }
    }
    return util::Ok{};
}

util::Status run_leaders(CommandContext& context)
{
    const std::uint64_t term = context.settings.term;
    const std::string target = term == 0 ? "/leaders" : "/leaders?term=" + std::to_string(term);
    RE_TRY(leaders, context.client.get(target));
    if (context.settings.json) {
        print_json(context.out, leaders);
        return util::Ok{};
    }
    Table table({"TERM", "LEADER", "ADDRESS", "VOTES", "TIME"});
    for (const std::string& key : keys_in_order(leaders)) {
        const json& leader = leaders[key];
        std::string votes = field_text(leader, "votes");
        if (votes != k_no_value && field_text(leader, "voters") != k_no_value) {
            votes += "/" + field_text(leader, "voters");
        }
        table.add_row({key, field_text(leader, "id"), field_text(leader, "name"), votes,
                       timestamp_ms_text(elected_ms(leader))});
    }
    table.print(context.out);
    return util::Ok{};
}

util::Status run_positions(CommandContext& context)
{
    RE_TRY(positions, context.client.get("/nodes/position"));
    if (context.settings.json) {
        print_json(context.out, positions);
        return util::Ok{};
    }
    positions_table(positions).print(context.out);
    return util::Ok{};
}

util::Status run_logs(CommandContext& context)
{
    if (!context.settings.node.empty()) {
        RE_TRY(address, node_address(context, context.settings.node));
        RE_TRY(entries, context.client.get("/logs?ip=" + encode_query_value(address)));
        if (context.settings.json) {
            print_json(context.out, entries);
            return util::Ok{};
        }
        log_table(entries).print(context.out);
        return util::Ok{};
    }
    RE_TRY(logs, context.client.get("/logs"));
    if (context.settings.json) {
        print_json(context.out, logs);
        return util::Ok{};
    }
    bool first = true;
    for (const std::string& name : keys_in_order(logs)) {
        context.out << (first ? "" : "\n") << name << '\n';
        first = false;
        log_table(logs[name]).print(context.out, "  ");
    }
    return util::Ok{};
}

util::Status run_log(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    std::string query;
    if (!settings.node.empty()) {
        const std::optional<std::uint64_t> id = util::parse_decimal<std::uint64_t>(settings.node);
        if (!id || *id == 0) {
            return util::make_error(util::ErrorCode::rejected,
                                    "log --node takes a node id, not \"" + settings.node
                                        + "\" (see 'raftescort ctl status' for the ids)");
        }
        query += "&node=" + std::to_string(*id);
    }
    if (settings.log_from >= 0) {
        query += "&from=" + std::to_string(settings.log_from);
    }
    if (settings.log_limit > 0) {
        query += "&limit=" + std::to_string(settings.log_limit);
    }
    if (!query.empty()) {
        query[0] = '?';
    }
    RE_TRY(answer, context.client.get("/raft/log" + query));
    if (settings.json) {
        print_json(context.out, answer);
    } else if (settings.node.empty()) {
        print_log_windows(context.out, answer);
    } else {
        print_log_window(context.out, answer);
    }
    return util::Ok{};
}

util::Status run_mission_show(CommandContext& context)
{
    RE_TRY(mission, context.client.get("/mission"));
    if (context.settings.json) {
        print_json(context.out, mission);
        return util::Ok{};
    }
    context.out << "mission " << mission_text(mission, field(mission, "lead")) << '\n';
    return util::Ok{};
}

} // namespace raftescort::ctl
