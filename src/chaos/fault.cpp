#include <raftescort/chaos/fault.hpp>

#include <array>
#include <cmath>
#include <string>
#include <utility>

namespace raftescort::chaos {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<FaultKind, const char*>, 8> k_kind_names{{
    {FaultKind::isolate, "isolate"},
    {FaultKind::partition, "partition"},
    {FaultKind::delay, "delay"},
    {FaultKind::drop, "drop"},
    {FaultKind::duplicate, "duplicate"},
    {FaultKind::pause, "pause"},
    {FaultKind::crash, "crash"},
    {FaultKind::disk_stall, "disk-stall"},
}};

constexpr std::array<std::pair<Direction, const char*>, 3> k_direction_names{{
    {Direction::both, "both"},
    {Direction::in, "in"},
    {Direction::out, "out"},
}};

constexpr double k_ppm = 1'000'000.0;

constexpr const char* k_kinds_text =
    "isolate, partition, delay, drop, duplicate, pause, crash or disk-stall";

bool takes_links(FaultKind kind)
{
    return kind == FaultKind::partition || kind == FaultKind::delay || kind == FaultKind::drop
           || kind == FaultKind::duplicate;
}

Direction default_direction(FaultKind kind)
{
    return kind == FaultKind::partition ? Direction::both : Direction::out;
}

bool takes_rate(FaultKind kind) { return kind == FaultKind::drop || kind == FaultKind::duplicate; }

/// The fields a fault of `kind` may carry besides "kind", "for_ms" and "by".
bool field_belongs(FaultKind kind, const std::string& field)
{
    if (field == "kind" || field == "for_ms" || field == "by") {
        return true;
    }
    if (field == "peers" || field == "direction") {
        return takes_links(kind);
    }
    if (field == "delay_ms") {
        return kind == FaultKind::delay || kind == FaultKind::disk_stall;
    }
    if (field == "jitter_ms") {
        return kind == FaultKind::delay;
    }
    if (field == "rate") {
        return takes_rate(kind);
    }
    return false;
}

util::Error refuse(std::string message)
{
    return util::Error{util::ErrorCode::invalid_argument, std::move(message)};
}

/// An integer field within [low, high]; absent gives `fallback`.
util::Result<std::int64_t> integer_field(const json& body, const char* name, std::int64_t low,
                                         std::int64_t high, std::int64_t fallback)
{
    auto found = body.find(name);
    if (found == body.end()) {
        return fallback;
    }
    const bool integral = found->is_number_integer() || found->is_number_unsigned();
    if (!integral || (found->is_number_unsigned() && found->get<std::uint64_t>() > INT64_MAX)
        || found->get<std::int64_t>() < low || found->get<std::int64_t>() > high) {
        return refuse("field \"" + std::string(name) + "\" must be an integer within "
                      + std::to_string(low) + ".." + std::to_string(high));
    }
    return found->get<std::int64_t>();
}

util::Result<std::set<raft::NodeId>> peers_field(const json& body, raft::NodeId self)
{
    std::set<raft::NodeId> peers;
    auto found = body.find("peers");
    if (found == body.end()) {
        return peers;
    }
    if (!found->is_array() || found->size() > k_fault_peers_max) {
        return refuse("field \"peers\" must be an array of at most "
                      + std::to_string(k_fault_peers_max) + " node ids");
    }
    for (const json& peer : *found) {
        const bool positive = peer.is_number_unsigned()
                                  ? peer.get<std::uint64_t>() > 0
                                  : peer.is_number_integer() && peer.get<std::int64_t>() > 0;
        if (!positive) {
            return refuse("field \"peers\" must hold node ids (integers from 1)");
        }
        raft::NodeId id{peer.get<std::uint64_t>()};
        if (id == self) {
            return refuse("field \"peers\" names this node (" + std::to_string(id.value)
                          + "): a node has no link to itself");
        }
        peers.insert(id);
    }
    return peers;
}

util::Result<std::uint32_t> rate_field(const json& body)
{
    auto found = body.find("rate");
    if (found == body.end()) {
        return refuse("missing field \"rate\" (a chance per message, 0 < rate <= 1)");
    }
    if (!found->is_number() || found->get<double>() <= 0.0 || found->get<double>() > 1.0
        || std::isnan(found->get<double>())) {
        return refuse("field \"rate\" must be a number with 0 < rate <= 1");
    }
    return static_cast<std::uint32_t>(std::lround(found->get<double>() * k_ppm));
}

util::Result<FaultKind> kind_field(const json& body)
{
    auto found = body.find("kind");
    if (found == body.end() || !found->is_string()) {
        return refuse("missing string field \"kind\" (" + std::string(k_kinds_text) + ")");
    }
    std::optional<FaultKind> kind = parse_fault_kind(found->get<std::string>());
    if (!kind) {
        return refuse("unknown fault kind; use " + std::string(k_kinds_text));
    }
    return *kind;
}

/// The fields of a link fault: its peers and its direction.
util::Result<FaultSpec> read_links(const json& body, raft::NodeId self, FaultSpec spec)
{
    RE_TRY(peers, peers_field(body, self));
    spec.peers = std::move(peers);
    if (spec.kind == FaultKind::partition && spec.peers.empty()) {
        return refuse("a partition needs \"peers\": the nodes to cut this one off from");
    }
    // Delay, loss and duplication act on what this node sends unless asked
    // otherwise: put on every node, each message then meets the fault once.
    spec.direction = default_direction(spec.kind);
    if (auto found = body.find("direction"); found != body.end()) {
        std::optional<Direction> direction =
            found->is_string() ? parse_direction(found->get<std::string>()) : std::nullopt;
        if (!direction) {
            return refuse("field \"direction\" must be \"both\", \"in\" or \"out\"");
        }
        spec.direction = *direction;
    }
    return spec;
}

util::Result<FaultSpec> read_kind_fields(const json& body, raft::NodeId self, FaultSpec spec)
{
    if (takes_links(spec.kind)) {
        RE_TRY(linked, read_links(body, self, std::move(spec)));
        spec = std::move(linked);
    }
    if (spec.kind == FaultKind::delay) {
        if (!body.contains("delay_ms")) {
            return refuse("missing field \"delay_ms\" (the added latency)");
        }
        RE_TRY(delay, integer_field(body, "delay_ms", 1, k_delay_ms_max, 0));
        RE_TRY(jitter, integer_field(body, "jitter_ms", 0, k_delay_ms_max, 0));
        spec.delay_ms = delay;
        spec.jitter_ms = jitter;
    }
    if (spec.kind == FaultKind::disk_stall) {
        if (!body.contains("delay_ms")) {
            return refuse("missing field \"delay_ms\" (the time each fsync takes longer)");
        }
        RE_TRY(stall, integer_field(body, "delay_ms", 1, k_disk_stall_ms_max, 0));
        spec.delay_ms = stall;
    }
    if (takes_rate(spec.kind)) {
        RE_TRY(rate, rate_field(body));
        spec.rate_ppm = rate;
    }
    return spec;
}

std::string duration_text(std::int64_t ms)
{
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + "s";
    }
    return std::to_string(ms) + "ms";
}

std::string peers_text(const std::set<raft::NodeId>& peers)
{
    std::string text;
    for (raft::NodeId peer : peers) {
        text += (text.empty() ? "" : ",") + std::to_string(peer.value);
    }
    return text;
}

} // namespace

const char* fault_kind_name(FaultKind kind)
{
    for (const auto& [value, name] : k_kind_names) {
        if (value == kind) {
            return name;
        }
    }
    RE_ASSERT(false);
    return "";
}

std::optional<FaultKind> parse_fault_kind(std::string_view name)
{
    for (const auto& [value, text] : k_kind_names) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

const char* direction_name(Direction direction)
{
    for (const auto& [value, name] : k_direction_names) {
        if (value == direction) {
            return name;
        }
    }
    RE_ASSERT(false);
    return "";
}

std::optional<Direction> parse_direction(std::string_view name)
{
    for (const auto& [value, text] : k_direction_names) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

util::Result<FaultSpec> fault_spec_from_json(const json& body, raft::NodeId self)
{
    if (!body.is_object()) {
        return refuse("a fault is a JSON object");
    }
    RE_TRY(kind, kind_field(body));
    for (const auto& [field, value] : body.items()) {
        if (!field_belongs(kind, field)) {
            return refuse("field \"" + field.substr(0, 40) + "\" does not apply to "
                          + fault_kind_name(kind));
        }
    }
    FaultSpec spec;
    spec.kind = kind;
    RE_TRY(duration,
           integer_field(body, "for_ms", 1, k_fault_duration_ms_max, k_fault_duration_ms_default));
    spec.duration_ms = duration;
    if (auto by = body.find("by"); by != body.end()) {
        if (!by->is_string()) {
            return refuse("field \"by\" must be a string");
        }
        spec.requested_by = by->get<std::string>().substr(0, k_requested_by_bytes_max);
    }
    return read_kind_fields(body, self, std::move(spec));
}

json fault_spec_json(const FaultSpec& spec)
{
    json body{{"kind", fault_kind_name(spec.kind)}, {"for_ms", spec.duration_ms}};
    if (!spec.requested_by.empty()) {
        body["by"] = spec.requested_by;
    }
    if (takes_links(spec.kind)) {
        json peers = json::array();
        for (raft::NodeId peer : spec.peers) {
            peers.push_back(peer.value);
        }
        body["peers"] = std::move(peers);
        body["direction"] = direction_name(spec.direction);
    }
    if (spec.kind == FaultKind::delay) {
        body["delay_ms"] = spec.delay_ms;
        body["jitter_ms"] = spec.jitter_ms;
    }
    if (spec.kind == FaultKind::disk_stall) {
        body["delay_ms"] = spec.delay_ms;
    }
    if (takes_rate(spec.kind)) {
        body["rate"] = static_cast<double>(spec.rate_ppm) / k_ppm;
    }
    return body;
}

std::string describe_fault(const FaultSpec& spec)
{
    std::string text = fault_kind_name(spec.kind);
    if (spec.kind == FaultKind::disk_stall) {
        text += " +" + duration_text(spec.delay_ms) + " per fsync";
    }
    if (spec.kind == FaultKind::delay) {
        text += " " + duration_text(spec.delay_ms);
        if (spec.jitter_ms > 0) {
            text += " +-" + duration_text(spec.jitter_ms);
        }
    }
    if (takes_rate(spec.kind)) {
        text += " " + std::to_string(spec.rate_ppm / 10'000) + "%";
    }
    if (takes_links(spec.kind)) {
        if (spec.kind == FaultKind::partition) {
            text += " from " + peers_text(spec.peers);
        } else {
            text +=
                spec.peers.empty() ? " on every link" : " on links to " + peers_text(spec.peers);
        }
        if (spec.direction != default_direction(spec.kind)) {
            text += std::string(" (") + direction_name(spec.direction) + ")";
        }
    }
    text += " for " + duration_text(spec.duration_ms);
    if (!spec.requested_by.empty()) {
        text += " by " + spec.requested_by;
    }
    return text;
}

} // namespace raftescort::chaos
