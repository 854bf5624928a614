#pragma once

// The one way an HTTP answer or an event turns JSON into text. Strings in a
// reply may quote what a client sent (a path, a query value, a key), and
// nlohmann::json's dump() throws on bytes that are not UTF-8; outside a
// handler that throw ended the process. Replacing each bad byte with U+FFFD
// never throws, and the client still sees where its input was.

#include <nlohmann/json.hpp>

#include <string>

namespace raftescort::transport {

inline std::string json_text(const nlohmann::json& value)
{
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace raftescort::transport
