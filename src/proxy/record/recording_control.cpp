#include "proxy/record/recording_control.hpp"

#include <raftescort/util/assert.hpp>

namespace raftescort::proxy {

RecordingControl::RecordingControl(EventHub& hub, RecorderOptions defaults)
    : m_hub(hub), m_defaults(std::move(defaults))
{
    RE_ASSERT(m_defaults.take_snapshot);
    RE_ASSERT(m_defaults.bytes_max > 0);
}

RecordingControl::~RecordingControl() { (void)stop(); }

util::Status RecordingControl::start(const std::string& path, bool overwrite)
{
    std::lock_guard lock(m_mutex);
    if (m_recorder && m_recorder->status().recording) {
        return util::make_error(util::ErrorCode::unavailable,
                                "already recording to " + m_recorder->status().path
                                    + "; stop that recording first");
    }
    RecorderOptions options = m_defaults;
    options.path = path;
    options.overwrite = overwrite;
    RE_TRY(recorder, Recorder::start(m_hub, std::move(options)));
    // The previous recorder, if any, has ended; destroying it joins its thread.
    m_recorder = std::move(recorder);
    return util::Ok{};
}

util::Result<RecorderStatus> RecordingControl::stop()
{
    std::lock_guard lock(m_mutex);
    if (!m_recorder || !m_recorder->status().recording) {
        return util::make_error(util::ErrorCode::not_found, "no recording is running");
    }
    m_recorder->stop();
    RecorderStatus status = m_recorder->status();
    RE_ASSERT(!status.recording);
    return status;
}

std::optional<RecorderStatus> RecordingControl::status()
{
    std::lock_guard lock(m_mutex);
    if (!m_recorder) {
        return std::nullopt;
    }
    return m_recorder->status();
}

} // namespace raftescort::proxy
