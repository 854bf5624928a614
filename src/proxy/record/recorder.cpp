#include "proxy/record/recorder.hpp"

#include "proxy/record/recording_format.hpp"
#include "proxy/record/recording_path.hpp"

#include <raftescort/transport/thread_name.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace raftescort::proxy {

namespace {

/// The writer wakes at least this often to see whether a snapshot is due.
constexpr std::int64_t k_wait_ms_max = 200;

} // namespace

nlohmann::json recorder_status_json(const RecorderStatus& status)
{
    return nlohmann::json{{"recording", status.recording},
                          {"file", status.path},
                          {"started_ms", status.started_ms},
                          {"bytes", status.bytes},
                          {"lines", status.lines},
                          {"snapshots", status.snapshots},
                          {"events_dropped", status.events_dropped},
                          {"stopped_reason", status.stopped_reason}};
}

util::Result<std::unique_ptr<Recorder>> Recorder::start(EventHub& hub, RecorderOptions options)
{
    RE_ASSERT(options.take_snapshot);
    RE_ASSERT(options.snapshot_interval_ms > 0);
    RE_TRY(checked, check_recording_path(options.path, options.overwrite));
    (void)checked;
    // "x": never replace a file that appeared since the check unless asked to.
    std::FILE* file = std::fopen(options.path.c_str(), options.overwrite ? "w" : "wx");
    if (file == nullptr) {
        return util::make_error(util::ErrorCode::io_error, "cannot open " + options.path + ": "
                                                               + std::strerror(errno));
    }
    std::shared_ptr<EventSubscription> subscription =
        hub.subscribe(EventSubscription::Overflow::drop_event, options.queue_events_max);
    if (!subscription) {
        std::fclose(file);
        return util::make_error(util::ErrorCode::unavailable,
                                "the proxy has no room for another event stream; retry later");
    }
    std::unique_ptr<Recorder> recorder(
        new Recorder(std::move(options), file, std::move(subscription)));
    return recorder;
}

Recorder::Recorder(RecorderOptions options, std::FILE* file,
                   std::shared_ptr<EventSubscription> subscription)
    : m_options(std::move(options)), m_file(file), m_subscription(std::move(subscription))
{
    RE_ASSERT(m_file != nullptr);
    RE_ASSERT(m_subscription);
    m_status.recording = true;
    m_status.path = m_options.path;
    m_status.started_ms = now_ms();
    const std::string header =
        recording_header_line(RecordingHeader{m_options.cluster, m_status.started_ms});
    if (write_line(header, false)) {
        m_thread = std::thread([this] { run(); });
    } else {
        finish("the header did not fit under the size cap");
    }
}

Recorder::~Recorder() { stop(); }

void Recorder::stop()
{
    m_stopping = true;
    m_subscription->close();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

RecorderStatus Recorder::status() const
{
    std::lock_guard lock(m_mutex);
    RecorderStatus status = m_status;
    status.events_dropped = m_subscription->events_dropped();
    return status;
}

std::int64_t Recorder::now_ms() const
{
    if (m_options.now_ms) {
        return m_options.now_ms();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void Recorder::run()
{
    transport::name_this_thread("record");
    spdlog::info("recording the event stream to {}", m_options.path);
    // The first snapshot at once: a replay can show the cluster from the start.
    std::int64_t next_snapshot_ms = now_ms();
    while (true) {
        if (now_ms() >= next_snapshot_ms) {
            write_snapshot();
            next_snapshot_ms = now_ms() + m_options.snapshot_interval_ms;
        }
        if (m_file == nullptr) {
            return;
        }
        const std::int64_t wait_ms =
            std::clamp<std::int64_t>(next_snapshot_ms - now_ms(), 1, k_wait_ms_max);
        ServerSentEvent event;
        const EventSubscription::Wait wait = m_subscription->next(wait_ms, event);
        if (wait == EventSubscription::Wait::closed) {
            break;
        }
        if (wait == EventSubscription::Wait::event && is_recorded_event(event.name)) {
            if (!write_line(recording_event_line(now_ms(), event.name, event.data), false)) {
                return;
            }
        }
    }
    // The queue is drained (closed means drained): the last state, then done.
    write_snapshot();
    if (m_file != nullptr) {
        finish(m_stopping ? "stopped" : "the proxy stopped");
    }
}

void Recorder::write_snapshot()
{
    if (m_file == nullptr) {
        return;
    }
    const nlohmann::json snapshot = m_options.take_snapshot();
    RE_ASSERT(snapshot.is_object());
    write_line(recording_event_line(now_ms(), "snapshot", snapshot.dump()), true);
}

bool Recorder::write_line(const std::string& line, bool is_snapshot)
{
    RE_ASSERT(m_file != nullptr);
    RE_ASSERT(!line.empty() && line.back() == '\n');
    std::uint64_t bytes = 0;
    {
        std::lock_guard lock(m_mutex);
        bytes = m_status.bytes;
    }
    if (bytes + line.size() > m_options.bytes_max) {
        spdlog::warn("the recording {} reached its size cap of {} bytes: recording stopped",
                     m_options.path, m_options.bytes_max);
        finish("size cap reached");
        return false;
    }
    // Flushed per line: a reader (or a replay) sees the file up to date, and
    // a proxy killed mid-run leaves whole lines behind.
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size()
        || std::fflush(m_file) != 0) {
        const std::string reason = std::string("write failed: ") + std::strerror(errno);
        spdlog::error("recording {}: {}; recording stopped", m_options.path, reason);
        finish(reason);
        return false;
    }
    std::lock_guard lock(m_mutex);
    m_status.bytes += line.size();
    ++m_status.lines;
    if (is_snapshot) {
        ++m_status.snapshots;
    }
    return true;
}

void Recorder::finish(const std::string& reason)
{
    RE_ASSERT(m_file != nullptr);
    std::fclose(m_file);
    m_file = nullptr;
    m_subscription->close();
    std::lock_guard lock(m_mutex);
    m_status.recording = false;
    m_status.stopped_reason = reason;
    spdlog::info("recording {} ended ({}): {} lines, {} bytes", m_options.path, reason,
                 m_status.lines, m_status.bytes);
}

} // namespace raftescort::proxy
