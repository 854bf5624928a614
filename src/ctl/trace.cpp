// `raftescort ctl trace`: the Raft messages the nodes send, as a live list,
// from the proxy's event stream (its "trace" events).

#include "ctl/commands.hpp"
#include "ctl/format.hpp"
#include "ctl/trace_views.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/decimal.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

/// Waiting for the next event: the proxy sends a status at least every
/// 250 ms, so a silent stream this long means the proxy is gone.
constexpr std::chrono::milliseconds k_trace_read_timeout{5000};

} // namespace

util::Status run_trace(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    std::optional<std::uint64_t> only;
    if (!settings.node.empty()) {
        only = util::parse_decimal<std::uint64_t>(settings.node);
        if (!only || *only == 0) {
            return util::make_error(util::ErrorCode::rejected,
                                    "trace --node takes a node id, not \"" + settings.node + "\"");
        }
    }
    std::uint64_t printed = 0;
    context.client.set_read_timeout(k_trace_read_timeout);
    auto on_event = [&](const std::string& name, const std::string& data) {
        if (name != "trace") {
            return true;
        }
        util::Result<json> event = transport::parse_answer_json(data);
        if (!event.ok()) {
            return true;
        }
        for (const json& message : as_list(field(event.value(), "messages"))) {
            if (only && field_unsigned(message, "from") != *only
                && field_unsigned(message, "to") != *only) {
                continue;
            }
            if (settings.json) {
                context.out << message.dump() << '\n';
            } else {
                context.out << trace_line(message) << '\n';
            }
            context.out.flush();
            if (settings.count != 0 && ++printed >= settings.count) {
                return false;
            }
        }
        return true;
    };
    return context.client.stream("/events", on_event);
}

} // namespace raftescort::ctl
