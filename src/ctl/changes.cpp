// The ctl commands that change the cluster: move, mission start|pause|set,
// members add|remove, transfer-leader. Each is one POST that the proxy
// answers after the change is committed (or with why it could not be).

#include "ctl/commands.hpp"
#include "ctl/format.hpp"
#include "ctl/views.hpp"

#include <raftescort/util/assert.hpp>

#include <unistd.h>

#include <cstdio>
#include <random>
#include <utility>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

// The proxy's answer to a removal that would lose quorum.
constexpr int k_http_conflict = 409;

// The node accepts client ids of 1..64 characters of A-Z a-z 0-9 _ . : -.
constexpr std::size_t k_client_id_host_chars_max = 24;

/// "ctl-<host>-<pid>-<random>": unique per invocation, so the proxy's
/// at-most-once table tells this ctl's retries from every other client.
std::string make_client_id()
{
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
        host[0] = 'h';
        host[1] = '\0';
    }
    std::string host_part;
    for (const char* c = host; *c != '\0' && host_part.size() < k_client_id_host_chars_max; ++c) {
        const bool allowed = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z')
                             || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-';
        host_part += allowed ? *c : '-';
    }
    std::random_device device;
    std::uniform_int_distribution<std::uint32_t> random;
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "%08x", random(device));
    std::string id =
        "ctl-" + host_part + "-" + std::to_string(static_cast<long>(::getpid())) + "-" + suffix;
    RE_ASSERT(id.size() <= 64);
    return id;
}

// What `ctl timing` asked for, in words.
std::string requested_timing_text(const CtlSettings& settings)
{
    if (settings.timing_reset) {
        return "each node's own again";
    }
    std::string text;
    if (settings.timing_heartbeat_ms > 0) {
        text = "heartbeat " + std::to_string(settings.timing_heartbeat_ms)
               + " ms, election timeout " + std::to_string(settings.timing_election_timeout_ms)
               + " ms";
    }
    if (settings.timing_step_interval_ms > 0) {
        text += ", a step every " + std::to_string(settings.timing_step_interval_ms) + " ms";
    }
    for (auto [name, value] : {std::pair{"pre-vote ", settings.timing_pre_vote},
                               std::pair{"check-quorum ", settings.timing_check_quorum}}) {
        if (value) {
            text += (text.empty() ? "" : ", ") + std::string(name) + (*value ? "on" : "off");
        }
    }
    RE_ASSERT(!text.empty());
    return text;
}

} // namespace

util::Status run_move(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    // One client id and sequence for every attempt: if the first attempt
    // committed but its answer was lost, the retry is answered "duplicate"
    // instead of moving the formation twice.
    const json body{
        {"x", settings.x}, {"y", settings.y}, {"client_id", make_client_id()}, {"sequence", 1}};
    RE_TRY(moved, context.client.post_with_retry("/nodes/move", body, RetryPolicy{}));
    if (settings.json) {
        print_json(context.out, moved);
        return util::Ok{};
    }
    const bool duplicate = field_text(moved, "result") == "duplicate";
    context.out << (duplicate ? "already moved by (" : "moved by (") << settings.x << ", "
                << settings.y << "): lead " << field_text(moved, "lead") << commit_text(moved)
                << '\n';
    positions_table(field(moved, "positions")).print(context.out);
    return util::Ok{};
}

util::Status run_mission(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    json body;
    switch (settings.action) {
    case CtlAction::mission_start: body = json{{"action", "start"}}; break;
    case CtlAction::mission_pause: body = json{{"action", "pause"}}; break;
    case CtlAction::mission_set:
        body = json{{"action", "set"}, {"x", settings.x}, {"y", settings.y}};
        break;
    default: RE_ASSERT(false);
    }
    RE_TRY(answer, context.client.post("/mission", body));
    if (settings.json) {
        print_json(context.out, answer);
        return util::Ok{};
    }
    context.out << "mission " << mission_text(field(answer, "mission"), field(answer, "lead"))
                << commit_text(answer) << '\n';
    return util::Ok{};
}

util::Status run_timing(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    json body = json::object();
    if (settings.timing_reset) {
        body = json{{"reset", true}};
    } else {
        if (settings.timing_heartbeat_ms > 0) {
            body["heartbeat_ms"] = settings.timing_heartbeat_ms;
            body["election_timeout_ms"] = settings.timing_election_timeout_ms;
        }
        if (settings.timing_step_interval_ms > 0) {
            body["step_interval_ms"] = settings.timing_step_interval_ms;
        }
        if (settings.timing_pre_vote) {
            body["pre_vote"] = *settings.timing_pre_vote;
        }
        if (settings.timing_check_quorum) {
            body["check_quorum"] = *settings.timing_check_quorum;
        }
    }
    RE_ASSERT(!body.empty());
    RE_TRY(answer, context.client.post("/timing", body));
    if (settings.json) {
        print_json(context.out, answer);
        return util::Ok{};
    }
    const json& in_force = field(answer, "timing");
    if (in_force.is_object()) {
        context.out << "timing in force: " << timing_setting_text(in_force);
    } else {
        // A leader of an earlier release does not say; tell what was asked.
        context.out << "timing: " << requested_timing_text(settings);
    }
    context.out << commit_text(answer) << '\n';
    return util::Ok{};
}

util::Status run_members_add(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    RE_ASSERT(settings.member_id != 0);
    RE_TRY(answer, context.client.post("/members/add", json{{"id", settings.member_id},
                                                            {"address", settings.member_address}}));
    if (settings.json) {
        print_json(context.out, answer);
        return util::Ok{};
    }
    context.out << "node " << settings.member_id << " added as a learner at "
                << settings.member_address << commit_text(answer) << '\n'
                << "start it with: raftescort node --id " << settings.member_id << " --advertise "
                << settings.member_address << '\n';
    return util::Ok{};
}

util::Status run_members_remove(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    RE_ASSERT(settings.member_id != 0);
    util::Result<json> removed = context.client.post(
        "/members/remove", json{{"id", settings.member_id}, {"force", settings.force}});
    const bool quorum_refusal = !removed.ok()
                                && context.client.last_http_status() == k_http_conflict
                                && removed.error().message.find("force") != std::string::npos;
    if (quorum_refusal && !settings.force) {
        // The proxy speaks of its body field "force"; say which flag sets it.
        return util::make_error(removed.error().code,
                                removed.error().message
                                    + "; 'ctl members remove --force' removes it anyway");
    }
    RE_TRY(answer, std::move(removed));
    if (settings.json) {
        print_json(context.out, answer);
        return util::Ok{};
    }
    context.out << "node " << settings.member_id << " removed" << commit_text(answer) << '\n';
    return util::Ok{};
}

util::Status run_transfer_leader(CommandContext& context)
{
    json body = json::object();
    if (context.settings.transfer_to != 0) {
        body["to"] = context.settings.transfer_to;
    }
    RE_TRY(answer, context.client.post("/transfer-leader", body));
    if (context.settings.json) {
        print_json(context.out, answer);
        return util::Ok{};
    }
    context.out << "leadership handed from " << field_text(answer, "from") << " to "
                << field_text(answer, "to") << " (term " << field_text(answer, "term") << ")\n";
    return util::Ok{};
}

} // namespace raftescort::ctl
