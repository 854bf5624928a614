#pragma once

// The proxy's one recording at a time, started from the command line
// (--record) or POST /record, stopped by POST /record or at the proxy's
// stop. After a recording ends its figures stay, for GET /record.

#include "proxy/record/recorder.hpp"

#include <memory>
#include <mutex>
#include <optional>

namespace raftescort::proxy {

class RecordingControl {
public:
    /// Everything a recording takes but its file: the hub, the cluster's
    /// name, the cap, the snapshot source.
    RecordingControl(EventHub& hub, RecorderOptions defaults);
    /// stop().
    ~RecordingControl();
    RecordingControl(const RecordingControl&) = delete;
    RecordingControl& operator=(const RecordingControl&) = delete;

    /// Starts recording to `path`. Errors as Recorder::start(), and
    /// unavailable ("already recording") while one runs.
    util::Status start(const std::string& path, bool overwrite);
    /// Ends the recording; its last status, or not_found when none runs.
    util::Result<RecorderStatus> stop();
    /// The running recording's status, else the last one's; nullopt when
    /// there was none.
    std::optional<RecorderStatus> status();

private:
    EventHub& m_hub;
    const RecorderOptions m_defaults;
    std::mutex m_mutex;
    std::unique_ptr<Recorder> m_recorder;
};

} // namespace raftescort::proxy
