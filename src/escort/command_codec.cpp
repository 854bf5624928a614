// The text form of escort commands. Committed entries stay readable in traces
// and in `ctl logs`, and decode accepts exactly one spelling per command, so
// encode(decode(text)) == text for every accepted text.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace raftescort::escort {

namespace {

using util::ErrorCode;
using util::make_error;
using util::Result;

// "timing h e s pre_vote=v check_quorum=v c=id s=n" is the longest form: eight fields.
constexpr std::size_t k_fields_max = 8;

struct Fields {
    std::array<std::string_view, k_fields_max> items;
    std::size_t count = 0;
};

util::Error invalid(std::string_view data, std::string_view reason)
{
    std::string message = "bad command \"";
    // Quote only a prefix: the message may be logged, and the data came from outside.
    message += data.substr(0, 40);
    message += data.size() > 40 ? "...\": " : "\": ";
    message += reason;
    return make_error(ErrorCode::invalid_argument, std::move(message));
}

// Splits on single spaces. Empty fields (leading, trailing or doubled spaces) are
// rejected so that each command has one spelling.
Result<Fields> split_fields(std::string_view data)
{
    Fields fields;
    std::size_t start = 0;
    while (true) {
        std::size_t space = data.find(' ', start);
        std::string_view field = data.substr(start, space == data.npos ? data.npos : space - start);
        if (field.empty()) {
            return invalid(data, "empty field (fields are separated by one space)");
        }
        if (fields.count == k_fields_max) {
            return invalid(data, "too many fields");
        }
        fields.items[fields.count] = field;
        ++fields.count;
        if (space == data.npos) {
            break;
        }
        start = space + 1;
    }
    RE_ASSERT(fields.count >= 1);
    RE_ASSERT(fields.count <= k_fields_max);
    return fields;
}

bool is_canonical_digits(std::string_view digits)
{
    if (digits.empty()) {
        return false;
    }
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    // A leading zero would give a second spelling of the same number.
    return digits.size() == 1 || digits[0] != '0';
}

Result<std::int64_t> parse_int64(std::string_view data, std::string_view field)
{
    std::string_view digits = field;
    if (!digits.empty() && digits[0] == '-') {
        digits.remove_prefix(1);
        if (digits == "0") {
            return invalid(data, "\"-0\" is not canonical");
        }
    }
    if (!is_canonical_digits(digits)) {
        return invalid(data, "not a canonical decimal integer: " + std::string(field));
    }
    // The spelling is checked, so a field that does not parse is out of range.
    std::optional<std::int64_t> value = util::parse_decimal<std::int64_t>(field);
    if (!value) {
        return invalid(data, "integer out of range: " + std::string(field));
    }
    return *value;
}

Result<std::uint64_t> parse_uint64(std::string_view data, std::string_view field)
{
    if (!is_canonical_digits(field)) {
        return invalid(data, "not a canonical unsigned integer: " + std::string(field));
    }
    // The spelling is checked, so a field that does not parse is out of range.
    std::optional<std::uint64_t> value = util::parse_decimal<std::uint64_t>(field);
    if (!value) {
        return invalid(data, "integer out of range: " + std::string(field));
    }
    return *value;
}

// Parses the two integer fields after the verb into (first, second).
util::Status parse_pair(std::string_view data, const Fields& fields, std::int64_t& first,
                        std::int64_t& second)
{
    RE_ASSERT(fields.count >= 3);
    RE_TRY(first_value, parse_int64(data, fields.items[1]));
    RE_TRY(second_value, parse_int64(data, fields.items[2]));
    first = first_value;
    second = second_value;
    return util::Ok{};
}

// Parses the optional "c=<id> s=<sequence>" suffix starting at `position`.
util::Status parse_client(std::string_view data, const Fields& fields, std::size_t position,
                          Command& command)
{
    RE_ASSERT(position <= fields.count);
    if (position == fields.count) {
        return util::Ok{};
    }
    // The pair travels together: a sequence means nothing without its client.
    if (fields.count - position != 2) {
        return invalid(data, "expected \"c=<client> s=<sequence>\" after the arguments");
    }
    std::string_view client = fields.items[position];
    std::string_view sequence = fields.items[position + 1];
    if (client.substr(0, 2) != "c=" || sequence.substr(0, 2) != "s=") {
        return invalid(data, "expected \"c=<client> s=<sequence>\" after the arguments");
    }
    client.remove_prefix(2);
    sequence.remove_prefix(2);
    if (!is_valid_client_id(client)) {
        return invalid(data, "client id must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    RE_TRY(sequence_value, parse_uint64(data, sequence));
    command.client_id = std::string(client);
    command.sequence = sequence_value;
    return util::Ok{};
}

// Parses the optional "pre_vote=on|off" then "check_quorum=on|off" after a
// timing's durations, starting at `position`; returns the position after them.
Result<std::size_t> parse_switches(std::string_view data, const Fields& fields,
                                   std::size_t position, Timing& timing)
{
    RE_ASSERT(position <= fields.count);
    using Switch = std::pair<std::string_view, ProtocolSwitch*>;
    for (auto [name, field] : {Switch{"pre_vote=", &timing.pre_vote},
                               Switch{"check_quorum=", &timing.check_quorum}}) {
        if (position == fields.count || fields.items[position].substr(0, name.size()) != name) {
            continue;
        }
        std::string_view value = fields.items[position].substr(name.size());
        // "own" is written by leaving the switch out: one spelling per command.
        if (value != "on" && value != "off") {
            return invalid(data, std::string(name) + " needs \"on\" or \"off\"");
        }
        *field = value == "on" ? ProtocolSwitch::on : ProtocolSwitch::off;
        ++position;
    }
    RE_ASSERT(position <= fields.count);
    return position;
}

} // namespace

const char* protocol_switch_name(ProtocolSwitch value)
{
    switch (value) {
    case ProtocolSwitch::own: return "own";
    case ProtocolSwitch::on: return "on";
    case ProtocolSwitch::off: return "off";
    }
    return "invalid";
}

bool protocol_switch_in_force(ProtocolSwitch value, bool own_setting)
{
    switch (value) {
    case ProtocolSwitch::on: return true;
    case ProtocolSwitch::off: return false;
    case ProtocolSwitch::own: return own_setting;
    }
    return own_setting;
}

bool is_valid_client_id(std::string_view client_id)
{
    if (client_id.empty() || client_id.size() > k_client_id_length_max) {
        return false;
    }
    for (char c : client_id) {
        bool alphanumeric =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        bool punctuation = c == '_' || c == '.' || c == ':' || c == '-';
        if (!alphanumeric && !punctuation) {
            return false;
        }
    }
    return true;
}

std::string encode_command(const Command& command)
{
    // An invalid command here is a caller's bug: outside input is checked with
    // is_valid_client_id before a Command is built from it.
    RE_ASSERT(command.client_id.empty() || is_valid_client_id(command.client_id));
    if (command.client_id.empty()) {
        RE_ASSERT(command.sequence == 0);
    }
    std::string out;
    switch (command.kind) {
    case CommandKind::step:
        out = "step " + std::to_string(command.from.x) + ' ' + std::to_string(command.from.y);
        break;
    case CommandKind::move:
        out = "move " + std::to_string(command.dx) + ' ' + std::to_string(command.dy);
        break;
    case CommandKind::mission:
        out = "mission " + std::to_string(command.target.x) + ' ' + std::to_string(command.target.y)
              + (command.running ? " run" : " pause");
        break;
    case CommandKind::timing:
        out = "timing " + std::to_string(command.timing.heartbeat_ms) + ' '
              + std::to_string(command.timing.election_timeout_ms) + ' '
              + std::to_string(command.timing.step_interval_ms);
        if (command.timing.pre_vote != ProtocolSwitch::own) {
            out += std::string(" pre_vote=") + protocol_switch_name(command.timing.pre_vote);
        }
        if (command.timing.check_quorum != ProtocolSwitch::own) {
            out += std::string(" check_quorum=")
                   + protocol_switch_name(command.timing.check_quorum);
        }
        break;
    }
    RE_ASSERT(!out.empty());
    if (!command.client_id.empty()) {
        out += " c=" + command.client_id + " s=" + std::to_string(command.sequence);
    }
    RE_ASSERT(out.size() <= k_command_length_max);
    return out;
}

Result<Command> decode_command(std::string_view data)
{
    if (data.empty()) {
        return invalid(data, "empty");
    }
    if (data.size() > k_command_length_max) {
        return invalid(data, "longer than " + std::to_string(k_command_length_max) + " bytes");
    }
    RE_TRY(fields, split_fields(data));
    std::string_view verb = fields.items[0];
    Command command;
    std::size_t arguments = 0;
    if (verb == "step") {
        command.kind = CommandKind::step;
        arguments = 2;
    } else if (verb == "move") {
        command.kind = CommandKind::move;
        arguments = 2;
    } else if (verb == "mission") {
        command.kind = CommandKind::mission;
        arguments = 3;
    } else if (verb == "timing") {
        command.kind = CommandKind::timing;
        arguments = 3;
    } else {
        return invalid(data, "unknown command (expected step, move, mission or timing)");
    }
    if (fields.count < 1 + arguments) {
        return invalid(data, "missing arguments");
    }
    util::Status parsed = util::Ok{};
    std::size_t position = 1 + arguments;
    switch (command.kind) {
    case CommandKind::step:
        parsed = parse_pair(data, fields, command.from.x, command.from.y);
        break;
    case CommandKind::move: parsed = parse_pair(data, fields, command.dx, command.dy); break;
    case CommandKind::mission:
        parsed = parse_pair(data, fields, command.target.x, command.target.y);
        if (parsed.ok()) {
            std::string_view run = fields.items[3];
            if (run != "run" && run != "pause") {
                return invalid(data, "mission needs \"run\" or \"pause\"");
            }
            command.running = run == "run";
        }
        break;
    case CommandKind::timing: {
        parsed = parse_pair(data, fields, command.timing.heartbeat_ms,
                            command.timing.election_timeout_ms);
        if (parsed.ok()) {
            RE_TRY(step, parse_int64(data, fields.items[3]));
            command.timing.step_interval_ms = step;
            RE_TRY(after_switches, parse_switches(data, fields, position, command.timing));
            position = after_switches;
        }
        break;
    }
    }
    if (!parsed.ok()) {
        return parsed.error();
    }
    util::Status suffix = parse_client(data, fields, position, command);
    if (!suffix.ok()) {
        return suffix.error();
    }
    RE_ASSERT(command.client_id.empty() || is_valid_client_id(command.client_id));
    return command;
}

} // namespace raftescort::escort
