// The ctl commands that change the cluster: move, mission start|pause|set,
// members add|remove, transfer-leader. Each is one POST that the proxy
// answers after the change is committed (or with why it could not be).

#include "ctl_commands.hpp"
#include "ctl_format.hpp"
#include "ctl_table.hpp"

#include <raftescort/util/assert.hpp>

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <random>
#include <utility>

namespace raftescort::cmd {

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

json post(CtlContext& context, const std::string& path, const json& body)
{
    return data_or_exit(context.client, context.client.post(path, body));
}

} // namespace

void run_ctl_move(CtlContext& context)
{
    // One client id and sequence for every attempt: if the first attempt
    // committed but its answer was lost, the retry is answered "duplicate"
    // instead of moving the formation twice.
    const json body{{"x", context.options.x},
                    {"y", context.options.y},
                    {"client_id", make_client_id()},
                    {"sequence", 1}};
    const json moved = data_or_exit(
        context.client, context.client.post_with_retry("/nodes/move", body, CtlRetryPolicy{}));
    if (context.options.json) {
        print_json(std::cout, moved);
        return;
    }
    const bool duplicate = field_text(moved, "result") == "duplicate";
    std::cout << (duplicate ? "already moved by (" : "moved by (") << context.options.x << ", "
              << context.options.y << "): lead " << field_text(moved, "lead") << commit_text(moved)
              << '\n';
    positions_table(field(moved, "positions")).print(std::cout);
}

void run_ctl_mission(CtlContext& context)
{
    json body;
    switch (context.options.action) {
    case CtlAction::mission_start: body = json{{"action", "start"}}; break;
    case CtlAction::mission_pause: body = json{{"action", "pause"}}; break;
    case CtlAction::mission_set:
        body = json{{"action", "set"}, {"x", context.options.x}, {"y", context.options.y}};
        break;
    default: RE_ASSERT(false);
    }
    const json answer = post(context, "/mission", body);
    if (context.options.json) {
        print_json(std::cout, answer);
        return;
    }
    std::cout << "mission " << mission_text(field(answer, "mission"), field(answer, "lead"))
              << commit_text(answer) << '\n';
}

void run_ctl_members_add(CtlContext& context)
{
    RE_ASSERT(context.options.member_id != 0);
    const json answer =
        post(context, "/members/add",
             json{{"id", context.options.member_id}, {"address", context.options.member_address}});
    if (context.options.json) {
        print_json(std::cout, answer);
        return;
    }
    std::cout << "node " << context.options.member_id << " added as a learner at "
              << context.options.member_address << commit_text(answer) << '\n'
              << "start it with: raftescort node --id " << context.options.member_id
              << " --advertise " << context.options.member_address << '\n';
}

void run_ctl_members_remove(CtlContext& context)
{
    RE_ASSERT(context.options.member_id != 0);
    util::Result<json> removed =
        context.client.post("/members/remove", json{{"id", context.options.member_id},
                                                    {"force", context.options.force}});
    const bool quorum_refusal = !removed.ok()
                                && context.client.last_http_status() == k_http_conflict
                                && removed.error().message.find("force") != std::string::npos;
    if (quorum_refusal && !context.options.force) {
        // The proxy speaks of its body field "force"; say which flag sets it.
        throw_ctl_error(context.client,
                        util::make_error(removed.error().code,
                                         removed.error().message
                                             + "; 'ctl members remove --force' removes it anyway"));
    }
    const json answer = data_or_exit(context.client, std::move(removed));
    if (context.options.json) {
        print_json(std::cout, answer);
        return;
    }
    std::cout << "node " << context.options.member_id << " removed" << commit_text(answer) << '\n';
}

void run_ctl_transfer_leader(CtlContext& context)
{
    json body = json::object();
    if (context.options.transfer_to != 0) {
        body["to"] = context.options.transfer_to;
    }
    const json answer = post(context, "/transfer-leader", body);
    if (context.options.json) {
        print_json(std::cout, answer);
        return;
    }
    std::cout << "leadership handed from " << field_text(answer, "from") << " to "
              << field_text(answer, "to") << " (term " << field_text(answer, "term") << ")\n";
}

} // namespace raftescort::cmd
