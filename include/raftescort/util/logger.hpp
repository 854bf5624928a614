#pragma once

// The core logs through this interface: spdlog in the runtime, a string
// buffer in the simulator (so a replayed seed prints a readable trace).

#include <string_view>

namespace raftescort::util {

enum class LogLevel { debug, info, warn, error };

class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(LogLevel level, std::string_view message) = 0;
    /// Lets callers skip building messages nobody reads.
    virtual bool enabled(LogLevel) const { return true; }
};

/// Discards everything; the default when no logger is given.
class NullLogger final : public Logger {
public:
    void log(LogLevel, std::string_view) override { }
    bool enabled(LogLevel) const override { return false; }
};

} // namespace raftescort::util
