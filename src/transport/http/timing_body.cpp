#include <raftescort/transport/timing_body.hpp>

#include <raftescort/util/assert.hpp>

#include <string>
#include <utility>

namespace raftescort::transport {

namespace {

using nlohmann::json;

// Reads the optional boolean member `name` into `value`; false after answering 400.
bool read_switch(const json& body, const char* name, std::optional<bool>& value,
                 httplib::Response& response, ErrorReply reply_error)
{
    auto it = body.find(name);
    if (it == body.end()) {
        return true;
    }
    if (!it->is_boolean()) {
        reply_error(response, 400, std::string("field \"") + name + "\" must be true or false");
        return false;
    }
    value = it->get<bool>();
    return true;
}

// Reads the three durations, which travel together; false after answering 400.
bool read_durations(const json& body, escort::Timing& durations, httplib::Response& response,
                    ErrorReply reply_error)
{
    for (auto [name, field] : {std::pair{"heartbeat_ms", &durations.heartbeat_ms},
                               std::pair{"election_timeout_ms", &durations.election_timeout_ms}}) {
        std::optional<std::int64_t> value =
            integer_member(body, name, escort::k_election_timeout_ms_max, response, reply_error);
        if (!value) {
            return false;
        }
        *field = *value;
    }
    if (body.contains("step_interval_ms")) {
        std::optional<std::int64_t> step = integer_member(
            body, "step_interval_ms", escort::k_step_interval_ms_max, response, reply_error);
        if (!step) {
            return false;
        }
        durations.step_interval_ms = *step;
    }
    // Zero means "each node's own" inside a command; a request names a real timing.
    if (durations.heartbeat_ms <= 0 || durations.election_timeout_ms <= 0
        || durations.step_interval_ms < 0) {
        reply_error(response, 400, "the heartbeat and the election timeout must be positive");
        return false;
    }
    if (std::optional<std::string> problem = escort::timing_problem(durations)) {
        reply_error(response, 400, *problem);
        return false;
    }
    return true;
}

} // namespace

std::optional<escort::TimingChange> timing_change_of(const json& body,
                                                     httplib::Response& response,
                                                     ErrorReply reply_error)
{
    escort::TimingChange change;
    if (body.contains("reset")) {
        if (body.value("reset", json()) != true || body.size() != 1) {
            reply_error(response, 400, "\"reset\": true takes no other field");
            return std::nullopt;
        }
        change.reset = true;
        return change;
    }
    if (!read_switch(body, "pre_vote", change.pre_vote, response, reply_error)
        || !read_switch(body, "check_quorum", change.check_quorum, response, reply_error)) {
        return std::nullopt;
    }
    const bool durations_given = body.contains("heartbeat_ms")
                                 || body.contains("election_timeout_ms")
                                 || body.contains("step_interval_ms");
    if (durations_given) {
        escort::Timing durations;
        if (!read_durations(body, durations, response, reply_error)) {
            return std::nullopt;
        }
        change.durations = durations;
    }
    if (!change.durations && !change.pre_vote && !change.check_quorum) {
        reply_error(response, 400,
                    "give \"heartbeat_ms\" and \"election_timeout_ms\", \"pre_vote\", "
                    "\"check_quorum\", or \"reset\": true");
        return std::nullopt;
    }
    RE_ASSERT(!change.reset);
    return change;
}

std::string describe_timing_change(const escort::TimingChange& change)
{
    if (change.reset) {
        return "timing reset to each node's own";
    }
    std::string text = "timing:";
    if (change.durations) {
        text += " heartbeat " + std::to_string(change.durations->heartbeat_ms)
                + " ms, election timeout " + std::to_string(change.durations->election_timeout_ms)
                + " ms";
        if (change.durations->step_interval_ms > 0) {
            text += ", step interval " + std::to_string(change.durations->step_interval_ms) + " ms";
        }
    }
    for (auto [name, value] : {std::pair{"pre-vote", change.pre_vote},
                               std::pair{"check-quorum", change.check_quorum}}) {
        if (value) {
            text += text.back() == ':' ? " " : ", ";
            text += std::string(name) + (*value ? " on" : " off");
        }
    }
    RE_ASSERT(text.size() > 7);
    return text;
}

} // namespace raftescort::transport
