#pragma once

// A fault that a node puts on itself: what the node's edges (the peer
// transport, the loop that ticks, the disk) do wrong on purpose, and for how
// long. The pure Raft core never sees a fault; it sees only messages that
// arrive late, twice or never, and ticks that stop, as it would on a real
// network. Every fault heals itself when its time is up, so a controller
// that goes away never leaves a cluster broken.
//
// The JSON form is the body of a node's POST /chaos and, with a target
// added, of the proxy's; docs in man/raftescort.1 (FAULTS).

#include <raftescort/raft/types.hpp>
#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace raftescort::chaos {

enum class FaultKind : std::uint8_t {
    /// Every peer message in and out is dropped.
    isolate,
    /// Messages to and/or from `peers` are dropped.
    partition,
    /// Messages wait `delay_ms` plus up to `jitter_ms` more.
    delay,
    /// Each message is dropped with probability `rate`.
    drop,
    /// Each message is delivered twice with probability `rate`.
    duplicate,
    /// No ticks, no messages handled or sent, no client request taken, as
    /// under SIGSTOP; the process still answers its HTTP reads.
    pause,
    /// The node drops every volatile state and closes its data directory,
    /// as if its process died; when the fault ends ("recover", or its time
    /// is up) it reopens the directory and rebuilds from the WAL and the
    /// snapshot, as a restarted process would.
    crash,
    /// Each durable write (one fsync) takes `delay_ms` longer.
    disk_stall,
};

const char* fault_kind_name(FaultKind kind);
std::optional<FaultKind> parse_fault_kind(std::string_view name);

/// Which way a link fault acts, seen from the node that has it.
enum class Direction : std::uint8_t { both, in, out };

const char* direction_name(Direction direction);
std::optional<Direction> parse_direction(std::string_view name);

/// Limits on what a fault may ask for.
inline constexpr std::int64_t k_fault_duration_ms_max = 3'600'000;
inline constexpr std::int64_t k_fault_duration_ms_default = 60'000;
inline constexpr std::int64_t k_delay_ms_max = 60'000;
/// A stalled fsync holds the node's loop, so it is kept short enough for
/// the node to go on ticking between writes.
inline constexpr std::int64_t k_disk_stall_ms_max = 10'000;
inline constexpr std::size_t k_fault_peers_max = 64;
inline constexpr std::size_t k_requested_by_bytes_max = 80;

struct FaultSpec {
    FaultKind kind = FaultKind::isolate;
    /// partition: the peers cut off (required). delay, drop, duplicate: the
    /// links it acts on; empty means every link.
    std::set<raft::NodeId> peers;
    /// partition, delay, drop, duplicate: which way it acts; a partition
    /// cuts both ways unless told, the others act on what this node sends.
    Direction direction = Direction::both;
    /// delay: the added latency; disk-stall: the added time per fsync.
    std::int64_t delay_ms = 0;
    std::int64_t jitter_ms = 0;
    /// drop, duplicate: the chance per message, in millionths.
    std::uint32_t rate_ppm = 0;
    /// It heals itself this long after it was put in force.
    std::int64_t duration_ms = k_fault_duration_ms_default;
    /// Who asked, for the record ("ctl at 127.0.0.1"); free text, bounded.
    std::string requested_by;
};

/// A fault from its JSON form (see the header comment): names the field at
/// fault, refuses fields that do not belong to its kind, values out of
/// range, and a partition with no peers. `self` may not be among the peers.
util::Result<FaultSpec> fault_spec_from_json(const nlohmann::json& body, raft::NodeId self);

/// The JSON form; only the fields that belong to its kind.
nlohmann::json fault_spec_json(const FaultSpec& spec);

/// One line for people and for the record: "delay 80ms +-20ms on 2,3 for 30s".
std::string describe_fault(const FaultSpec& spec);

} // namespace raftescort::chaos
