#pragma once

// Replica: one node's Raft core, escort state machine and durable storage,
// glued together by the Ready contract (raft/ready.hpp). No threads, sockets
// or clocks: the `raftescort node` loop owns a Replica and drives it.
//
// Who calls what, in which order (one thread only):
//
//   1. Replica::open(options), then process_ready() once: the core hands back
//      the committed entries after the recovered snapshot (and, for a new
//      cluster, the bootstrap membership) to persist and apply.
//   2. Feed inputs to the core through raft(): tick(), step(message),
//      propose(command), read_index(...), ...
//   3. After every input (or a batch of them), call process_ready(). It
//      hands each Ready's early messages (a leader's appends, ready.hpp step
//      0) to `send_early` so they travel while it writes, persists the Ready
//      with one fsync, then applies it to the escort and advances the core,
//      and finally takes a compaction snapshot when the policy says so.
//   4. Only after process_ready() returns, send outcome.messages. They were
//      made durable-safe in step 3: every vote or acknowledgement in them
//      describes state already on disk (Raft §5.1, dissertation §3.8).
//
// Errors: a failed write or fsync (save, save_snapshot) is fatal. process_ready
// returns the error, nothing of that call may be sent, and every later call
// returns the same failure: the caller must stop the node and restart it from
// disk (a node never acknowledges what it could not make durable).

#include <raftescort/escort/escort.hpp>
#include <raftescort/raft/config.hpp>
#include <raftescort/raft/message.hpp>
#include <raftescort/raft/raft_node.hpp>
#include <raftescort/raft/ready.hpp>
#include <raftescort/raft/types.hpp>
#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/histogram.hpp>
#include <raftescort/util/result.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace raftescort::runtime {

/// Everything a Replica needs to open; checked by validate().
struct ReplicaOptions {
    /// The node's data directory; created when missing.
    std::string data_dir;
    /// The cluster the data directory belongs to; a directory of another
    /// cluster is refused.
    std::string cluster_id;
    /// The Raft core's settings; raft.id is this node's id (never k_no_node).
    raft::Config raft;
    /// The founding membership of a new cluster. Used only when the data
    /// directory holds no state yet; empty for a node that waits to be added
    /// by a leader. When not empty it must contain raft.id: a founder is
    /// always a member of the cluster it founds.
    raft::ConfState bootstrap_conf;
    /// Take a compaction snapshot once this many entries were applied since
    /// the last snapshot; 0 disables compaction (the log then grows forever).
    std::uint64_t snapshot_every_entries = 1000;
    /// Bytes after which a WAL segment is closed and a new one started.
    std::uint64_t segment_bytes_max = 64ULL * 1024 * 1024;

    util::Status validate() const;
};

/// One committed entry applied to the escort, and what applying it did.
struct AppliedEntry {
    raft::Entry entry;
    escort::ApplyResult result;
};

/// What one process_ready() call did, for the caller to act on.
struct ReadyOutcome {
    /// To send after process_ready returns, in order; everything they depend
    /// on is durable.
    std::vector<raft::Message> messages;
    /// Committed entries applied to the escort, in index order.
    std::vector<AppliedEntry> applied;
    /// Linearizable reads confirmed by the core; serve each once the escort
    /// has applied its index.
    std::vector<raft::ReadState> read_states;
    /// The latest role/leader change reported, if any.
    std::optional<raft::SoftState> soft_state;
    /// A leader's snapshot that replaced the escort's state, if any.
    std::optional<raft::SnapshotMetadata> snapshot_installed;
    /// A compaction snapshot taken at the end of this call, if any.
    std::optional<raft::SnapshotMetadata> snapshot_taken;
    /// Readys carried out by this call.
    std::uint64_t readies = 0;
};

class Replica {
public:
    /// Opens (or creates) the data directory, restores the escort from the
    /// recovered snapshot (or starts from an empty Escort), and builds the
    /// core. Fails, with a message naming the directory, when the options are
    /// invalid, the storage refuses the directory (other cluster or node,
    /// corruption), or the snapshot's data does not decode.
    static util::Result<std::unique_ptr<Replica>> open(const ReplicaOptions& options);

    ~Replica();
    Replica(const Replica&) = delete;
    Replica& operator=(const Replica&) = delete;

    /// Called with each Ready's early messages before its write starts.
    using EarlySender = std::function<void(std::vector<raft::Message>& messages)>;

    /// Carries out every Ready the core has (send early messages, persist,
    /// collect messages, install snapshot, apply, advance), then the
    /// snapshot policy. Without `send_early` the early messages join
    /// outcome.messages, ahead of the rest. An error is fatal (see the file
    /// comment): the outcome is lost on purpose, so nothing that was not
    /// durable is ever sent.
    util::Result<ReadyOutcome> process_ready(const EarlySender& send_early = {});

    /// The core, for inputs (tick, step, propose) and for inspection. Inputs
    /// are queued in the core; nothing leaves it until process_ready().
    raft::RaftNode& raft() { return *m_raft; }
    const raft::RaftNode& raft() const { return *m_raft; }
    /// The escort state after every entry applied so far.
    const escort::Escort& escort() const { return m_escort; }
    /// The storage, read-only (metrics, tests).
    const store::DiskStorage& storage() const { return *m_storage; }
    /// What recovery found when this Replica opened.
    const store::RecoveryReport& storage_report() const { return m_storage->report(); }
    /// Bytes of WAL segments on disk now.
    std::uint64_t wal_bytes() const { return m_storage->wal_bytes(); }
    /// Compaction snapshots this Replica took since it opened.
    std::uint64_t snapshots_taken() const { return m_snapshots_taken; }
    /// Leader snapshots this Replica installed since it opened.
    std::uint64_t snapshots_installed() const { return m_snapshots_installed; }
    /// Index of the newest snapshot stored (taken, installed or recovered); 0 if none.
    raft::Index snapshot_index() const { return m_snapshot_index; }
    /// How long each durable save (its writes and its one fsync) took.
    const util::Histogram& save_latency() const { return m_save_latency; }
    /// True after a fatal storage failure; every later process_ready fails.
    bool failed() const { return m_failure.has_value(); }

private:
    Replica(const ReplicaOptions& options, std::unique_ptr<store::DiskStorage> storage,
            escort::Escort escort, raft::PersistedState persisted);

    util::Status carry_out(raft::Ready& ready, ReadyOutcome& outcome,
                           const EarlySender& send_early);
    util::Status install_snapshot(const raft::Snapshot& snapshot, ReadyOutcome& outcome);
    util::Status maybe_take_snapshot(ReadyOutcome& outcome);
    util::Error fail(const util::Error& error);

    std::uint64_t m_snapshot_every_entries;
    std::unique_ptr<store::DiskStorage> m_storage;
    escort::Escort m_escort;
    std::unique_ptr<raft::RaftNode> m_raft;
    /// The newest snapshot on disk; compaction is measured from it.
    raft::Index m_snapshot_index;
    std::uint64_t m_snapshots_taken = 0;
    std::uint64_t m_snapshots_installed = 0;
    util::Histogram m_save_latency{util::k_storage_latency_bounds_seconds};
    /// Set once by the first failed write; never cleared (restart instead).
    std::optional<util::Error> m_failure;
};

} // namespace raftescort::runtime
