// Snapshots of the escort: serialize, deserialize, state_hash, and the
// invariants a restored state must satisfy. Snapshot data arrives from peers and
// from disk, so deserialize treats it as untrusted: every field is checked and
// any defect is an error value, never a crash.
//
// Format, version 1: text lines, each ending in '\n', single spaces between fields.
//   escort 1
//   applied <index> <term>
//   lead <x> <y> <lead_unit>
//   mission <x> <y> run|pause <steps_taken>
//   timing <heartbeat_ms> <election_ms> <step_ms> <index>  (version 2)
//   timing <heartbeat_ms> <election_ms> <step_ms> <index> <pre_vote> <check_quorum>
//                                        (version 3; each switch own|on|off)
//   roster <count>
//   <node> <slot>                        (count lines, ascending node id)
//   clients <count>
//   <client_id> <sequence> <applied_index>  (count lines, ascending client id)
//   end
// Version 2 is version 1 plus the timing line. It is written only once a
// timing command was applied, so a cluster that never changed its timing
// writes (and hashes) exactly what earlier releases did. Version 3 is version 2
// with the protocol switches on the timing line, written only when one of
// them is not `own`, for the same reason.

#include <raftescort/escort/escort.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/decimal.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace raftescort::escort {

namespace {

using util::ErrorCode;
using util::make_error;
using util::Result;

constexpr std::string_view k_header = "escort 1";
constexpr std::string_view k_header_with_timing = "escort 2";
constexpr std::string_view k_header_with_switches = "escort 3";
// The timing line of version 3 is the longest.
constexpr std::size_t k_line_fields_max = 7;

util::Error corrupt(std::string message)
{
    return make_error(ErrorCode::corrupt, "escort snapshot: " + message);
}

template <typename Number>
bool parse_number(std::string_view field, Number& value)
{
    std::optional<Number> parsed = util::parse_decimal<Number>(field);
    if (!parsed) {
        return false;
    }
    value = *parsed;
    // Only the spelling serialize writes ("7", not "07" or "-0"), so a snapshot that
    // loads is byte-identical to the one its state would write, and so is its hash.
    return std::to_string(value) == field;
}

bool parse_switch(std::string_view field, ProtocolSwitch& value)
{
    for (ProtocolSwitch candidate :
         {ProtocolSwitch::own, ProtocolSwitch::on, ProtocolSwitch::off}) {
        if (field == protocol_switch_name(candidate)) {
            value = candidate;
            return true;
        }
    }
    return false;
}

// Reads the snapshot one line at a time and splits each line into fields.
class LineReader {
public:
    explicit LineReader(std::string_view data) : m_data(data) { }

    /// The next line's fields; `expected_fields` guards against short or long lines.
    Result<std::vector<std::string_view>> next(std::size_t expected_fields)
    {
        RE_ASSERT(expected_fields >= 1);
        RE_ASSERT(expected_fields <= k_line_fields_max);
        std::size_t newline = m_data.find('\n', m_position);
        if (newline == m_data.npos) {
            return corrupt("truncated at byte " + std::to_string(m_position));
        }
        std::string_view line = m_data.substr(m_position, newline - m_position);
        ++m_line_number;
        m_position = newline + 1;
        std::vector<std::string_view> fields;
        std::size_t start = 0;
        while (fields.size() <= expected_fields) {
            std::size_t space = line.find(' ', start);
            fields.push_back(line.substr(start, space == line.npos ? line.npos : space - start));
            if (space == line.npos) {
                break;
            }
            start = space + 1;
        }
        if (fields.size() != expected_fields) {
            return corrupt("line " + std::to_string(m_line_number) + ": expected "
                           + std::to_string(expected_fields) + " fields");
        }
        return fields;
    }

    bool at_end() const { return m_position == m_data.size(); }
    std::size_t line_number() const { return m_line_number; }

private:
    std::string_view m_data;
    std::size_t m_position = 0;
    std::size_t m_line_number = 0;
};

util::Error bad_field(const LineReader& reader, std::string_view what)
{
    return corrupt("line " + std::to_string(reader.line_number()) + ": bad " + std::string(what));
}

// Counts are not trusted for allocation: each member must still be read from a
// line of its own, so the input's length bounds the work.
Result<std::map<raft::NodeId, std::uint32_t>> read_roster(LineReader& reader)
{
    RE_TRY(header, reader.next(2));
    std::uint64_t count = 0;
    if (header[0] != "roster" || !parse_number(header[1], count)) {
        return bad_field(reader, "roster line");
    }
    std::map<raft::NodeId, std::uint32_t> roster;
    for (std::uint64_t i = 0; i < count; ++i) {
        RE_TRY(member, reader.next(2));
        raft::NodeId node;
        std::uint32_t slot = 0;
        if (!parse_number(member[0], node.value) || !parse_number(member[1], slot)) {
            return bad_field(reader, "roster member");
        }
        // Ascending order gives one serialization per state and rules out duplicates.
        if (!roster.empty() && !(roster.rbegin()->first < node)) {
            return bad_field(reader, "roster order");
        }
        roster.emplace(node, slot);
    }
    RE_ASSERT(roster.size() == count);
    return roster;
}

Result<std::map<std::string, ClientRecord>> read_clients(LineReader& reader)
{
    RE_TRY(header, reader.next(2));
    std::uint64_t count = 0;
    if (header[0] != "clients" || !parse_number(header[1], count) || count > k_clients_max) {
        return bad_field(reader, "clients line");
    }
    std::map<std::string, ClientRecord> clients;
    for (std::uint64_t i = 0; i < count; ++i) {
        RE_TRY(client, reader.next(3));
        ClientRecord record;
        if (!is_valid_client_id(client[0]) || !parse_number(client[1], record.sequence)
            || !parse_number(client[2], record.applied_index.value)) {
            return bad_field(reader, "client record");
        }
        std::string client_id(client[0]);
        if (!clients.empty() && !(clients.rbegin()->first < client_id)) {
            return bad_field(reader, "client order");
        }
        clients.emplace(std::move(client_id), record);
    }
    RE_ASSERT(clients.size() == count);
    return clients;
}

void append_fields(std::string& out, std::initializer_list<std::string> fields)
{
    bool first = true;
    for (const std::string& field : fields) {
        if (!first) {
            out += ' ';
        }
        out += field;
        first = false;
    }
    out += '\n';
}

bool within_bounds(Point point)
{
    return point.x >= -k_coordinate_max && point.x <= k_coordinate_max
           && point.y >= -k_coordinate_max && point.y <= k_coordinate_max;
}

} // namespace

util::Status Escort::check_invariants() const
{
    // The lead point and the target stay bounded, so positions never overflow.
    if (!within_bounds(m_lead_point)) {
        return corrupt("lead point out of bounds");
    }
    if (!within_bounds(m_mission.target)) {
        return corrupt("mission target out of bounds");
    }
    // Before the first entry there is no term and no client.
    if (m_last_applied_index == raft::Index{0} && m_last_applied_term != raft::Term{0}) {
        return corrupt("term without an applied entry");
    }
    // Slots are unique, and slot 0 is held exactly by the lead unit, if there is one.
    std::set<std::uint32_t> slots;
    for (const auto& [node, slot] : m_roster) {
        if (node == raft::k_no_node) {
            return corrupt("roster holds node 0");
        }
        if (!slots.insert(slot).second) {
            return corrupt("slot " + std::to_string(slot) + " held twice");
        }
        if ((slot == 0) != (node == m_lead_unit)) {
            return corrupt("slot 0 not held by the lead unit");
        }
    }
    if (timing_problem(m_timing)) {
        return corrupt("timing out of bounds");
    }
    if (m_timing_index > m_last_applied_index
        || (m_timing_index == raft::Index{0} && !(m_timing == Timing{}))) {
        return corrupt("timing from an unapplied entry");
    }
    if (m_lead_unit != raft::k_no_node && m_roster.count(m_lead_unit) == 0) {
        return corrupt("lead unit not on the roster");
    }
    // The client table is bounded, and each record comes from an applied entry.
    if (m_clients.size() > k_clients_max) {
        return corrupt("client table over its bound");
    }
    for (const auto& [client_id, record] : m_clients) {
        if (!is_valid_client_id(client_id)) {
            return corrupt("bad client id");
        }
        if (record.applied_index == raft::Index{0} || record.applied_index > m_last_applied_index) {
            return corrupt("client record from an unapplied entry");
        }
    }
    return util::Ok{};
}

std::string Escort::serialize() const
{
    RE_ASSERT(check_invariants().ok());
    std::string out;
    const bool with_timing = m_timing_index != raft::Index{0};
    const bool with_switches = m_timing.pre_vote != ProtocolSwitch::own
                               || m_timing.check_quorum != ProtocolSwitch::own;
    // check_invariants: switches other than `own` come from an applied entry.
    if (with_switches) {
        RE_ASSERT(with_timing);
    }
    out += with_switches ? k_header_with_switches : with_timing ? k_header_with_timing : k_header;
    out += '\n';
    append_fields(out, {"applied", std::to_string(m_last_applied_index.value),
                        std::to_string(m_last_applied_term.value)});
    append_fields(out, {"lead", std::to_string(m_lead_point.x), std::to_string(m_lead_point.y),
                        std::to_string(m_lead_unit.value)});
    append_fields(out, {"mission", std::to_string(m_mission.target.x),
                        std::to_string(m_mission.target.y), m_mission.running ? "run" : "pause",
                        std::to_string(m_mission.steps_taken)});
    if (with_switches) {
        append_fields(out, {"timing", std::to_string(m_timing.heartbeat_ms),
                            std::to_string(m_timing.election_timeout_ms),
                            std::to_string(m_timing.step_interval_ms),
                            std::to_string(m_timing_index.value),
                            protocol_switch_name(m_timing.pre_vote),
                            protocol_switch_name(m_timing.check_quorum)});
    } else if (with_timing) {
        append_fields(out, {"timing", std::to_string(m_timing.heartbeat_ms),
                            std::to_string(m_timing.election_timeout_ms),
                            std::to_string(m_timing.step_interval_ms),
                            std::to_string(m_timing_index.value)});
    }
    append_fields(out, {"roster", std::to_string(m_roster.size())});
    for (const auto& [node, slot] : m_roster) {
        append_fields(out, {std::to_string(node.value), std::to_string(slot)});
    }
    append_fields(out, {"clients", std::to_string(m_clients.size())});
    for (const auto& [client_id, record] : m_clients) {
        append_fields(out, {client_id, std::to_string(record.sequence),
                            std::to_string(record.applied_index.value)});
    }
    out += "end\n";
    RE_ASSERT(out.size() > k_header.size());
    return out;
}

util::Result<Escort> Escort::deserialize(std::string_view data)
{
    LineReader reader(data);
    Escort escort;

    RE_TRY(header, reader.next(2));
    if (header[0] != "escort" || (header[1] != "1" && header[1] != "2" && header[1] != "3")) {
        return corrupt("not an escort snapshot of version 1, 2 or 3");
    }
    const bool with_switches = header[1] == "3";
    const bool with_timing = header[1] == "2" || with_switches;

    RE_TRY(applied, reader.next(3));
    if (applied[0] != "applied" || !parse_number(applied[1], escort.m_last_applied_index.value)
        || !parse_number(applied[2], escort.m_last_applied_term.value)) {
        return bad_field(reader, "applied line");
    }

    RE_TRY(lead, reader.next(4));
    if (lead[0] != "lead" || !parse_number(lead[1], escort.m_lead_point.x)
        || !parse_number(lead[2], escort.m_lead_point.y)
        || !parse_number(lead[3], escort.m_lead_unit.value)) {
        return bad_field(reader, "lead line");
    }

    RE_TRY(mission, reader.next(5));
    if (mission[0] != "mission" || !parse_number(mission[1], escort.m_mission.target.x)
        || !parse_number(mission[2], escort.m_mission.target.y)
        || (mission[3] != "run" && mission[3] != "pause")
        || !parse_number(mission[4], escort.m_mission.steps_taken)) {
        return bad_field(reader, "mission line");
    }
    escort.m_mission.running = mission[3] == "run";

    if (with_timing) {
        RE_TRY(timing, reader.next(with_switches ? 7 : 5));
        Timing& read = escort.m_timing;
        if (timing[0] != "timing" || !parse_number(timing[1], read.heartbeat_ms)
            || !parse_number(timing[2], read.election_timeout_ms)
            || !parse_number(timing[3], read.step_interval_ms)
            || !parse_number(timing[4], escort.m_timing_index.value)
            || escort.m_timing_index == raft::Index{0}) {
            return bad_field(reader, "timing line");
        }
        if (with_switches
            && (!parse_switch(timing[5], read.pre_vote)
                || !parse_switch(timing[6], read.check_quorum))) {
            return bad_field(reader, "timing line");
        }
        // Version 3 is written only with a switch set, so each state has one form.
        if (with_switches && read.pre_vote == ProtocolSwitch::own
            && read.check_quorum == ProtocolSwitch::own) {
            return bad_field(reader, "timing line (version 3 without a switch)");
        }
    }

    RE_TRY(roster, read_roster(reader));
    escort.m_roster = std::move(roster);
    RE_TRY(clients, read_clients(reader));
    escort.m_clients = std::move(clients);

    RE_TRY(end, reader.next(1));
    if (end[0] != "end" || !reader.at_end()) {
        return corrupt("missing end or trailing data");
    }
    util::Status valid = escort.check_invariants();
    if (!valid.ok()) {
        return valid.error();
    }
    // Pair assertion: every field was read in its canonical spelling, so the loaded
    // state writes back exactly the bytes it came from.
    RE_ASSERT(escort.serialize() == data);
    return escort;
}

std::uint64_t Escort::state_hash() const
{
    // FNV-1a over the serialized form: the snapshot already holds exactly the
    // replicated state in one canonical order.
    constexpr std::uint64_t k_fnv_offset_basis = 0xcbf29ce484222325ULL;
    constexpr std::uint64_t k_fnv_prime = 0x100000001b3ULL;
    std::uint64_t hash = k_fnv_offset_basis;
    for (char c : serialize()) {
        hash ^= static_cast<unsigned char>(c);
        hash *= k_fnv_prime;
    }
    return hash;
}

} // namespace raftescort::escort
