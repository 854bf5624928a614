#pragma once

// The core's log lines (util::Logger) go to spdlog, at the core's level.

#include <raftescort/util/logger.hpp>

#include <spdlog/spdlog.h>

namespace raftescort::node {

class SpdlogLogger final : public util::Logger {
public:
    void log(util::LogLevel level, std::string_view message) override
    {
        spdlog::log(to_spdlog(level), "raft: {}", message);
    }
    bool enabled(util::LogLevel level) const override
    {
        return spdlog::should_log(to_spdlog(level));
    }

private:
    static spdlog::level::level_enum to_spdlog(util::LogLevel level)
    {
        switch (level) {
        case util::LogLevel::debug: return spdlog::level::debug;
        case util::LogLevel::info: return spdlog::level::info;
        case util::LogLevel::warn: return spdlog::level::warn;
        case util::LogLevel::error: return spdlog::level::err;
        }
        return spdlog::level::info;
    }
};

} // namespace raftescort::node
