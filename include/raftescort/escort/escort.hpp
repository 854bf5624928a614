#pragma once

// The escort convoy: the replicated, deterministic state machine that every
// node applies committed Raft entries to, so every node that applied index i
// holds the same convoy.
//
// Vocabulary: the convoy's "lead unit" is the node whose offset is [0,0];
// the word "leader" is kept for Raft.

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace raftescort::escort {

struct Point {
    std::int64_t x = 0;
    std::int64_t y = 0;

    bool operator==(const Point&) const = default;
};

enum class CommandKind : std::uint8_t {
    /// One unit from `from` toward the mission target; stale (a no-op) when the
    /// lead point is no longer `from`, so a deposed leader's step never lands twice.
    step = 0,
    /// Client move: shift the lead point (and so the formation) by (dx, dy).
    move = 1,
    /// Mission control: set the target and/or run or pause.
    mission = 2,
    /// The cluster's timing (slow motion): every member switches when it
    /// applies the entry, so all switch at the same log index.
    timing = 3,
};

/// A Raft protocol switch a `timing` command sets for every member: `own`
/// keeps each node's own setting (the one it was started with).
enum class ProtocolSwitch : std::uint8_t { own = 0, on = 1, off = 2 };

/// "own", "on" or "off".
const char* protocol_switch_name(ProtocolSwitch value);
/// The setting in force on a node whose own setting is `own_setting`.
bool protocol_switch_in_force(ProtocolSwitch value, bool own_setting);

/// The timing a `timing` command puts in force. All zero (and both switches
/// `own`): each node's own settings (those it was started with).
struct Timing {
    std::int64_t heartbeat_ms = 0;
    std::int64_t election_timeout_ms = 0;
    /// The autopilot's step interval; 0 keeps each node's own.
    std::int64_t step_interval_ms = 0;
    /// Raft's pre-vote (§9.6) and check-quorum (§6.2). Safety never depends
    /// on them; they keep a node that was cut off from disrupting the cluster.
    ProtocolSwitch pre_vote = ProtocolSwitch::own;
    ProtocolSwitch check_quorum = ProtocolSwitch::own;

    bool operator==(const Timing&) const = default;
};

/// A change of the timing as an operator asks for it: each part that is
/// absent stays as it is in force. `reset` alone goes back to Timing{}.
struct TimingChange {
    bool reset = false;
    /// Heartbeat, election timeout and step interval, which are set together
    /// (a step interval of 0: each node's own).
    std::optional<Timing> durations;
    std::optional<bool> pre_vote;
    std::optional<bool> check_quorum;
};

/// The timing `change` makes of `in_force` (the one the escort has applied).
Timing changed_timing(const Timing& in_force, const TimingChange& change);

/// Bounds of a timing: slow enough to follow an election by eye, never so
/// slow that a lost controller leaves the cluster unable to elect for long.
inline constexpr std::int64_t k_heartbeat_ms_max = 10'000;
inline constexpr std::int64_t k_election_timeout_ms_max = 60'000;
inline constexpr std::int64_t k_step_interval_ms_min = 10;
inline constexpr std::int64_t k_step_interval_ms_max = 600'000;

/// Why `timing` cannot be put in force, or nullopt when it can: heartbeat and
/// election timeout both set (or both zero), within bounds, and the election
/// timeout at least 3x the heartbeat so followers hear several heartbeats
/// before they give up on a leader.
std::optional<std::string> timing_problem(const Timing& timing);

struct Command {
    CommandKind kind = CommandKind::step;
    Point from;           ///< step
    std::int64_t dx = 0;  ///< move
    std::int64_t dy = 0;  ///< move
    Point target;         ///< mission
    bool running = false; ///< mission
    Timing timing;        ///< timing
    /// Client request id: a retried (client_id, sequence) is applied once.
    /// An empty client_id means no deduplication (autopilot steps).
    std::string client_id;
    std::uint64_t sequence = 0;

    bool operator==(const Command&) const = default;
};

/// The longest client id a command may carry.
inline constexpr std::size_t k_client_id_length_max = 64;
/// The longest encoded command decode_command accepts; committed data is bounded.
inline constexpr std::size_t k_command_length_max = 256;
/// A client move may shift each coordinate by at most this much.
inline constexpr std::int64_t k_move_delta_max = 1'000'000;
/// The lead point and mission target stay within [-max, +max] on both axes.
inline constexpr std::int64_t k_coordinate_max = 1'000'000'000;
/// Clients remembered for deduplication; the one applied longest ago is evicted first.
inline constexpr std::size_t k_clients_max = 1024;

/// True if `client_id` is 1..k_client_id_length_max characters of [A-Za-z0-9_.:-].
/// Callers building a Command from outside input check this before encode_command.
bool is_valid_client_id(std::string_view client_id);

/// Text form, one space between fields: "step <x> <y>", "move <dx> <dy>",
/// "mission <x> <y> run|pause", "timing <heartbeat_ms> <election_timeout_ms>
/// <step_interval_ms>" followed by " pre_vote=on|off" and " check_quorum=on|off"
/// when those switches are not `own` (so a timing without them is written as
/// earlier releases wrote it), then " c=<client_id> s=<sequence>" when
/// client_id is set.
/// The command must be valid: a valid client_id, or an empty one with sequence 0.
std::string encode_command(const Command& command);
/// Accepts exactly the canonical form encode_command produces (so it is the inverse).
util::Result<Command> decode_command(std::string_view data);

struct Mission {
    Point target{100, 0};
    bool running = false;
    std::uint64_t steps_taken = 0;

    bool operator==(const Mission&) const = default;
};

/// The deduplication record for one client.
struct ClientRecord {
    /// The highest sequence applied for the client; a lower or equal one is a duplicate.
    std::uint64_t sequence = 0;
    /// The index of the entry that set `sequence`; eviction picks the lowest, which is
    /// unique per client, so every node evicts the same client.
    raft::Index applied_index;

    bool operator==(const ClientRecord&) const = default;
};

/// What applying one entry did.
struct ApplyResult {
    enum class Kind : std::uint8_t {
        stepped,     ///< lead point moved one unit toward the target
        moved,       ///< client move applied
        mission_set, ///< mission changed
        timing_set,  ///< timing changed
        lead_taken,  ///< a new lead unit (leader_noop entry)
        roster,      ///< roster changed (conf_change entry)
        duplicate,   ///< (client_id, sequence) already applied: nothing changed
        stale,       ///< a step whose `from` is not the lead point: nothing changed
        no_op,       ///< valid but changed nothing (e.g. a step at the target)
    };
    Kind kind = Kind::no_op;
    Point lead_before;
    Point lead_after;
};

class Escort {
public:
    /// A fresh convoy at [0,0] whose roster holds `initial_members`.
    ///
    /// Nodes of a cluster start from `Escort{}`: the founding membership
    /// reaches the roster as the bootstrap conf_change entries of the log
    /// (raft::bootstrap_entries), so a node that joins later and replays the
    /// log computes exactly the same formation. The members form is for tests.
    explicit Escort(const raft::ConfState& initial_members = {});

    /// Applies a committed entry. Entries must come in index order, each once.
    /// Malformed command data is a no-op (it was committed, so every node
    /// skips it the same way).
    ApplyResult apply(const raft::Entry& entry);

    Point lead_point() const { return m_lead_point; }
    raft::NodeId lead_unit() const { return m_lead_unit; }
    const Mission& mission() const { return m_mission; }
    /// The timing in force, and the index of the entry that set it (0: never set).
    const Timing& timing() const { return m_timing; }
    raft::Index timing_index() const { return m_timing_index; }
    raft::Index last_applied_index() const { return m_last_applied_index; }
    raft::Term last_applied_term() const { return m_last_applied_term; }
    /// Formation slot per node: 0 is the lead unit.
    const std::map<raft::NodeId, std::uint32_t>& roster() const { return m_roster; }
    /// The node's position, if it is on the roster.
    std::optional<Point> position_of(raft::NodeId node) const;
    /// Slot 0 is [0,0]; then rows widen behind the lead, odd slots on the +y side:
    /// 1 = (-1,+1), 2 = (-1,-1), 3 = (-2,+2), 4 = (-2,-2), ...
    static Point slot_offset(std::uint32_t slot);
    /// The deduplication table, at most k_clients_max entries.
    const std::map<std::string, ClientRecord>& clients() const { return m_clients; }

    /// A hash of the whole state, equal on every node that applied the same entries.
    std::uint64_t state_hash() const;

    std::string serialize() const;
    static util::Result<Escort> deserialize(std::string_view data);

    bool operator==(const Escort&) const = default;

private:
    // Formation (formation.cpp).
    std::uint32_t smallest_free_slot() const;
    void add_to_roster(raft::NodeId node);
    void remove_from_roster(raft::NodeId node);
    void take_lead(raft::NodeId node);

    // Commands (escort.cpp).
    ApplyResult::Kind apply_conf_change_entry(const raft::Entry& entry);
    ApplyResult::Kind apply_leader_noop_entry(const raft::Entry& entry);
    ApplyResult::Kind apply_normal_entry(const raft::Entry& entry);
    ApplyResult::Kind apply_step(const Command& command);
    ApplyResult::Kind apply_move(const Command& command);
    ApplyResult::Kind apply_mission(const Command& command);
    ApplyResult::Kind apply_timing(const Command& command, raft::Index index);

    // Deduplication (client_table.cpp).
    bool is_duplicate(const Command& command) const;
    void record_client(const Command& command, raft::Index index);

    // Snapshots (snapshot.cpp): the checks deserialize runs, and apply asserts.
    util::Status check_invariants() const;

    Point m_lead_point;
    /// The node at slot 0, or k_no_node after the lead unit left the roster and
    /// before the next take_lead. Changed only by take_lead and remove_from_roster.
    raft::NodeId m_lead_unit;
    Mission m_mission;
    Timing m_timing;
    raft::Index m_timing_index;
    /// Slots are unique; slot 0 is held exactly when m_lead_unit is set, by it.
    std::map<raft::NodeId, std::uint32_t> m_roster;
    /// Last sequence applied per client, for deduplication; bounded (oldest evicted).
    std::map<std::string, ClientRecord> m_clients;
    /// Increases with every applied entry, of any type.
    raft::Index m_last_applied_index;
    raft::Term m_last_applied_term;
};

} // namespace raftescort::escort
