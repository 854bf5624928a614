// ctl chaos: the built-in faults through the proxy (POST /chaos, POST
// /chaos/heal, GET /chaos). The proxy resolves a role target when it acts
// and answers per node, so a fault that reached only some nodes says which.

#include "ctl/commands.hpp"
#include "ctl/format.hpp"
#include "ctl/table.hpp"

#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <string>
#include <string_view>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

util::Error usage(const std::string& message)
{
    return util::make_error(util::ErrorCode::invalid_argument, message);
}

/// "1,2,3" as node ids; `what` names the argument in the refusal.
util::Result<json> id_list(std::string_view text, const char* what)
{
    json ids = json::array();
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string_view piece = text.substr(0, comma);
        std::optional<std::uint64_t> id = util::parse_decimal<std::uint64_t>(piece);
        if (!id || *id == 0) {
            return usage(std::string(what) + ": \"" + std::string(piece)
                         + "\" is not a node id (ids are integers from 1, joined by commas)");
        }
        ids.push_back(*id);
        if (comma == std::string_view::npos) {
            return ids;
        }
        text.remove_prefix(comma + 1);
    }
}

/// TARGET as the proxy reads it: ids when it starts with a digit, else a role.
util::Result<json> target_json(const std::string& target)
{
    if (!target.empty() && target[0] >= '0' && target[0] <= '9') {
        return id_list(target, "TARGET");
    }
    return json(target);
}

util::Result<json> fault_body(const CtlSettings& settings)
{
    json body{{"kind", settings.chaos_kind}};
    RE_TRY(target, target_json(settings.chaos_target));
    body["target"] = std::move(target);
    if (!settings.chaos_peers.empty()) {
        RE_TRY(peers, id_list(settings.chaos_peers,
                              settings.chaos_kind == "partition" ? "--from" : "--peers"));
        body["peers"] = std::move(peers);
    }
    if (!settings.chaos_direction.empty()) {
        body["direction"] = settings.chaos_direction;
    }
    if (settings.chaos_for_ms > 0) {
        body["for_ms"] = settings.chaos_for_ms;
    }
    if (settings.chaos_kind == "disk-stall") {
        body["delay_ms"] = settings.chaos_delay_ms;
    }
    if (settings.chaos_kind == "delay") {
        body["delay_ms"] = settings.chaos_delay_ms;
        body["jitter_ms"] = settings.chaos_jitter_ms;
    }
    if (settings.chaos_kind == "drop" || settings.chaos_kind == "duplicate") {
        body["rate"] = settings.chaos_rate;
    }
    return body;
}

std::string ids_text(const json& ids)
{
    std::string text;
    for (const json& id : as_list(ids)) {
        text += (text.empty() ? "" : ",") + value_text(id);
    }
    return text.empty() ? "-" : text;
}

/// One row per node and fault; a node without faults, or that did not
/// answer, gets one row saying so.
Table faults_table(const json& nodes)
{
    Table table({"NODE", "FAULT", "LEFT"});
    for (const json& node : as_list(nodes)) {
        const std::string id = field_text(node, "id");
        if (node.contains("error")) {
            table.add_row({id, "did not answer: " + field_text(node, "error"), "-"});
            continue;
        }
        const json& faults = as_list(field(node, "faults"));
        if (faults.empty()) {
            table.add_row({id, "none", "-"});
        }
        for (const json& fault : faults) {
            table.add_row({id, field_text(fault, "description"),
                           duration_ms_text(field(fault, "remaining_ms"))});
        }
    }
    return table;
}

/// The nodes that did not take the change, or Ok; the table is printed either way.
util::Status failed_nodes(const json& answer)
{
    std::string failed;
    for (const json& node : as_list(field(answer, "nodes"))) {
        if (node.contains("error")) {
            failed += (failed.empty() ? "" : ",") + field_text(node, "id");
        }
    }
    if (failed.empty()) {
        return util::Ok{};
    }
    return util::make_error(util::ErrorCode::unavailable,
                            "node(s) " + failed + " did not take it; see the table above");
}

util::Status print_answer(CommandContext& context, const json& answer, const std::string& done)
{
    if (context.settings.json) {
        print_json(context.out, answer);
        return failed_nodes(answer);
    }
    if (!done.empty()) {
        context.out << done << " on node(s) " << ids_text(field(answer, "target")) << '\n';
    }
    faults_table(field(answer, "nodes")).print(context.out);
    return failed_nodes(answer);
}

} // namespace

util::Status run_chaos(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    switch (settings.action) {
    case CtlAction::chaos_fault: {
        RE_TRY(body, fault_body(settings));
        RE_TRY(answer, context.client.post("/chaos", body));
        return print_answer(context, answer, settings.chaos_kind);
    }
    case CtlAction::chaos_heal: {
        json body = json::object();
        if (!settings.chaos_target.empty()) {
            RE_TRY(target, target_json(settings.chaos_target));
            body["target"] = std::move(target);
        }
        RE_TRY(answer, context.client.post("/chaos/heal", body));
        return print_answer(context, answer, "healed");
    }
    case CtlAction::chaos_status: {
        RE_TRY(answer, context.client.get("/chaos"));
        return print_answer(context, answer, "");
    }
    default: RE_ASSERT(false);
    }
    return util::Ok{};
}

} // namespace raftescort::ctl
