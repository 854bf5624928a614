#pragma once

// Writes the proxy's event stream to a recording file (recording_format.hpp)
// while the proxy runs. The recorder subscribes to the event hub like a
// browser does, so the producers never wait for it and the message trace is
// followed while it records; its subscription keeps a full queue by losing
// (and counting) events instead of being dropped. Its own thread writes each
// event as a line, and every snapshot interval (and once more at the end) a
// "snapshot" line with the proxy's answers, from which a replay can seek.
// Past the size cap it writes nothing more, logs why, and stops.

#include "proxy/view/event_hub.hpp"

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace raftescort::proxy {

inline constexpr std::uint64_t k_recording_bytes_max_default = 64ull * 1024 * 1024;

struct RecorderOptions {
    /// The file, checked by check_recording_path() before it is opened.
    std::string path;
    /// Replace an existing file; otherwise one is refused.
    bool overwrite = false;
    /// The cluster's name, for the header.
    std::string cluster;
    /// The file stops growing here: the line that would pass it is not written.
    std::uint64_t bytes_max = k_recording_bytes_max_default;
    std::int64_t snapshot_interval_ms = 5000;
    /// Events the recorder may fall behind by before it loses some.
    std::size_t queue_events_max = 4096;
    /// The proxy's answers for a snapshot line (one JSON object); called on
    /// the recorder's thread.
    std::function<nlohmann::json()> take_snapshot;
    /// Wall-clock ms since the epoch; the system clock when empty.
    std::function<std::int64_t()> now_ms;
};

/// What GET /record shows of a recording.
struct RecorderStatus {
    bool recording = false;
    std::string path;
    std::int64_t started_ms = 0;
    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;
    std::uint64_t snapshots = 0;
    /// Events lost because the writer fell behind (a slow disk).
    std::uint64_t events_dropped = 0;
    /// Why it stopped: "stopped", "size cap reached", "the proxy stopped",
    /// or a write error; empty while recording.
    std::string stopped_reason;
};

nlohmann::json recorder_status_json(const RecorderStatus& status);

class Recorder {
public:
    /// Checks and opens the file, writes the header and starts recording.
    /// rejected: a path refused (recording_path.hpp); io_error: the file
    /// cannot be opened; unavailable: the hub has no room for a subscriber.
    static util::Result<std::unique_ptr<Recorder>> start(EventHub& hub, RecorderOptions options);
    /// stop().
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Writes what is queued and a last snapshot, closes the file, and
    /// returns when the writer thread has ended. Idempotent.
    void stop();
    RecorderStatus status() const;

private:
    Recorder(RecorderOptions options, std::FILE* file,
             std::shared_ptr<EventSubscription> subscription);
    void run();
    std::int64_t now_ms() const;
    void write_snapshot();
    /// Writes one line unless it would pass the cap; false when the
    /// recording must end (cap, or a write error, then recorded as the reason).
    bool write_line(const std::string& line, bool is_snapshot);
    void finish(const std::string& reason);

    const RecorderOptions m_options;
    std::FILE* m_file;
    std::shared_ptr<EventSubscription> m_subscription;
    std::atomic<bool> m_stopping{false};
    mutable std::mutex m_mutex;
    RecorderStatus m_status;
    std::thread m_thread;
};

} // namespace raftescort::proxy
