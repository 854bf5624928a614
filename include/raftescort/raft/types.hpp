#pragma once

// Vocabulary of the Raft core: strong ids, entries, hard state, membership.
// Names follow the Raft paper (term, voted_for, commit_index, ...).

#include <compare>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace raftescort::raft {

/// A 64-bit value with a tag, so a Term is never passed where an Index goes.
template <typename Tag>
struct Strong {
    std::uint64_t value = 0;

    constexpr Strong() = default;
    constexpr explicit Strong(std::uint64_t v) : value(v) { }
    constexpr auto operator<=>(const Strong&) const = default;
};

struct NodeIdTag { };
struct TermTag { };
struct IndexTag { };

/// A node's identity; 0 means "none".
using NodeId = Strong<NodeIdTag>;
/// A Raft term; increases monotonically on every node (§5.1).
using Term = Strong<TermTag>;
/// A log position; 0 is the empty position before the first entry.
using Index = Strong<IndexTag>;

inline constexpr NodeId k_no_node{0};

constexpr Index next(Index index) { return Index{index.value + 1}; }
constexpr Index previous(Index index) { return Index{index.value - 1}; }
constexpr Term next(Term term) { return Term{term.value + 1}; }

enum class EntryType : std::uint8_t {
    /// Application command; opaque to the core.
    normal = 0,
    /// The first entry of a leader's term (Raft's no-op). `data` holds the
    /// leader's id in decimal so the application can record who leads.
    leader_noop = 1,
    /// A membership change; `data` is an encoded ConfChange.
    conf_change = 2,
};

struct Entry {
    Term term;
    Index index;
    EntryType type = EntryType::normal;
    std::string data;

    bool operator==(const Entry&) const = default;
};

/// The state that must be durable before any message depending on it is sent.
struct HardState {
    Term term;
    NodeId voted_for;
    Index commit;

    bool operator==(const HardState&) const = default;
};

/// The cluster membership: voters decide; learners only receive the log.
struct ConfState {
    std::set<NodeId> voters;
    std::set<NodeId> learners;

    bool operator==(const ConfState&) const = default;
    bool contains(NodeId id) const { return voters.count(id) > 0 || learners.count(id) > 0; }
};

enum class ConfChangeType : std::uint8_t {
    add_learner = 0,
    promote_voter = 1,
    remove_node = 2,
};

/// One single-server membership change (Raft dissertation §4.1).
struct ConfChange {
    ConfChangeType type = ConfChangeType::add_learner;
    NodeId node;
    /// Opaque to the core, e.g. the node's advertised address.
    std::string context;

    bool operator==(const ConfChange&) const = default;
};

std::string encode_conf_change(const ConfChange& change);
/// Returns false if `data` is not a valid encoding.
bool decode_conf_change(const std::string& data, ConfChange& change);

/// Applies a change to a configuration; returns the new configuration.
ConfState apply_conf_change(const ConfState& conf, const ConfChange& change);

struct SnapshotMetadata {
    Index index;
    Term term;
    ConfState conf;

    bool operator==(const SnapshotMetadata&) const = default;
};

/// The application's state at `metadata.index`, plus what Raft needs to resume.
struct Snapshot {
    SnapshotMetadata metadata;
    std::string data;

    bool operator==(const Snapshot&) const = default;
};

enum class Role : std::uint8_t { follower, pre_candidate, candidate, leader };

const char* role_name(Role role);

} // namespace raftescort::raft

template <typename Tag>
struct std::hash<raftescort::raft::Strong<Tag>> {
    std::size_t operator()(const raftescort::raft::Strong<Tag>& s) const noexcept
    {
        return std::hash<std::uint64_t>{}(s.value);
    }
};
