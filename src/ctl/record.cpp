// ctl record: the proxy's recording of its event stream (POST /record,
// GET /record). The file is on the proxy's machine, and the proxy checks it.

#include "ctl/commands.hpp"
#include "ctl/format.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

void print_recording(std::ostream& out, const json& status)
{
    const json& recording_field = field(status, "recording");
    const bool recording = recording_field.is_boolean() && recording_field.get<bool>();
    const std::string file = field_text(status, "file");
    if (!recording && (file.empty() || file == "-")) {
        out << "not recording; none since the proxy started\n";
        return;
    }
    out << (recording ? "recording to " : "recorded to ") << file << '\n'
        << "  started   " << timestamp_ms_text(field(status, "started_ms")) << '\n'
        << "  bytes     " << field_text(status, "bytes") << '\n'
        << "  lines     " << field_text(status, "lines") << " (snapshots "
        << field_text(status, "snapshots") << ")\n"
        << "  dropped   " << field_text(status, "events_dropped") << " events\n";
    if (!recording) {
        out << "  ended     " << field_text(status, "stopped_reason") << '\n';
    }
}

} // namespace

util::Status run_record(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    json answer;
    if (settings.action == CtlAction::record_start) {
        RE_ASSERT(!settings.record_file.empty());
        const json body{{"action", "start"},
                        {"file", settings.record_file},
                        {"overwrite", settings.record_overwrite}};
        RE_TRY(started, context.client.post("/record", body));
        answer = std::move(started);
    } else if (settings.action == CtlAction::record_stop) {
        RE_TRY(stopped, context.client.post("/record", json{{"action", "stop"}}));
        answer = std::move(stopped);
    } else {
        RE_ASSERT(settings.action == CtlAction::record_status);
        RE_TRY(status, context.client.get("/record"));
        answer = std::move(status);
    }
    if (settings.json) {
        print_json(context.out, answer);
        return util::Ok{};
    }
    print_recording(context.out, answer);
    return util::Ok{};
}

} // namespace raftescort::ctl
