#include "ctl/lesson/lesson_run.hpp"

#include "ctl/format.hpp"
#include "ctl/lesson/lessons.hpp"

#include <sstream>
#include <thread>

namespace raftescort::ctl::lesson {

namespace {

using nlohmann::json;

constexpr std::size_t k_text_width = 76;
constexpr const char* k_indent = "      ";

/// `text` wrapped at k_text_width, every line indented.
std::string wrapped(const std::string& text)
{
    std::istringstream words(text);
    std::string out;
    std::string line;
    std::string word;
    while (words >> word) {
        if (!line.empty() && line.size() + 1 + word.size() > k_text_width) {
            out += k_indent + line + '\n';
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) {
        out += k_indent + line + '\n';
    }
    return out;
}

// The proxy's bounds on a banner's fields; longer text is cut, never refused.
constexpr std::size_t k_banner_heading_max = 200;
constexpr std::size_t k_banner_text_max = 2000;

std::string cut(const std::string& text, std::size_t bytes)
{
    if (text.size() <= bytes) {
        return text;
    }
    std::size_t end = bytes;
    // Not in the middle of a UTF-8 sequence.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    return text.substr(0, end);
}

} // namespace

LessonRun::LessonRun(const LessonDefinition& lesson, ProxyClient& client,
                     ProxyClientOptions client_options, std::ostream& out, LessonOptions options)
    : m_lesson(lesson), m_client(client), m_client_options(std::move(client_options)),
      m_cluster(client), m_out(out), m_options(options),
      m_started(std::chrono::steady_clock::now()), m_step_started(m_started)
{ }

util::Result<std::unique_ptr<ProxyClient>> LessonRun::open_client() const
{
    return ProxyClient::open(m_client_options);
}

std::int64_t LessonRun::elapsed_ms() const
{
    return std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::now() - m_started)
        .count();
}

void LessonRun::step(const std::string& heading, const std::string& text)
{
    const auto now = std::chrono::steady_clock::now();
    if (!m_steps.empty()) {
        m_steps.back().elapsed_ms =
            std::chrono::duration_cast<Milliseconds>(now - m_step_started).count();
    }
    m_step_started = now;
    m_steps.push_back(StepRecord{heading, text, {}, 0});
    if (!m_options.quiet) {
        m_out << '\n'
              << '[' << m_steps.size() << '/' << m_lesson.steps << "] " << heading << '\n'
              << wrapped(text) << std::flush;
    }
    post_banner("running", "");
    if (m_options.pace.count() > 0) {
        std::this_thread::sleep_for(m_options.pace);
    }
}

void LessonRun::observe(const std::string& fact)
{
    if (!m_steps.empty()) {
        m_steps.back().observations.push_back(fact);
    }
    if (!m_options.quiet) {
        m_out << k_indent << "ok  " << fact << '\n' << std::flush;
    }
}

void LessonRun::note(const std::string& text)
{
    if (!m_options.quiet) {
        m_out << k_indent << "..  " << text << '\n' << std::flush;
    }
}

util::Error LessonRun::failure(const std::string& expected, const std::string& seen) const
{
    const std::string where =
        m_steps.empty() ? std::string("before step 1")
                        : "at step " + std::to_string(m_steps.size()) + " ("
                              + m_steps.back().heading + ")";
    return util::make_error(util::ErrorCode::unavailable,
                            where + ": expected " + expected + "; saw " + seen);
}

util::Status LessonRun::remember_cluster()
{
    RE_TRY(leader, m_cluster.leader());
    const json& mission = field(leader.raw, "mission");
    m_mission_was_running = field(mission, "running").is_boolean()
                            && field(mission, "running").get<bool>();
    m_timing_before = leader.timing;
    if (m_mission_was_running) {
        // Steps of the mission would move the convoy between a lesson's
        // moves and its checks of the lead point.
        RE_TRY(paused, m_cluster.mission("pause"));
        (void)paused;
        note("paused the mission; it resumes at the end");
    }
    // A fault left from before would change what every step shows.
    RE_TRY(healed, m_cluster.heal());
    (void)healed;
    return util::Ok{};
}

void LessonRun::changed_timing() { m_timing_changed = true; }

util::Status LessonRun::restore_timing()
{
    RE_TRY(restored, m_cluster.timing(timing_restore_body()));
    (void)restored;
    m_timing_changed = false;
    return util::Ok{};
}

util::Status LessonRun::finish(const util::Status& outcome)
{
    if (!m_steps.empty()) {
        m_steps.back().elapsed_ms = std::chrono::duration_cast<Milliseconds>(
                                        std::chrono::steady_clock::now() - m_step_started)
                                        .count();
    }
    m_passed = outcome.ok();
    m_detail = m_passed ? std::string() : outcome.error().message;
    // Put the cluster back, whatever happened; a failure here is reported
    // but does not hide the lesson's own outcome.
    std::vector<std::string> cleanup_problems;
    if (util::Status healed = m_cluster.heal(); !healed.ok()) {
        cleanup_problems.push_back("heal: " + healed.error().message);
    }
    if (m_timing_changed) {
        if (util::Status restored = m_cluster.timing(timing_restore_body()); !restored.ok()) {
            cleanup_problems.push_back("timing: " + restored.error().message);
        }
    }
    if (m_mission_was_running) {
        if (util::Status resumed = m_cluster.mission("start"); !resumed.ok()) {
            cleanup_problems.push_back("mission start: " + resumed.error().message);
        }
    }
    if (!m_options.quiet) {
        for (const std::string& problem : cleanup_problems) {
            m_out << "warning: could not put the cluster back: " << problem << '\n';
        }
        const double seconds = static_cast<double>(elapsed_ms()) / 1000.0;
        std::ostringstream took;
        took.precision(1);
        took << std::fixed << seconds;
        m_out << '\n'
              << (m_passed ? "PASSED " : "FAILED ") << m_lesson.name << " in " << took.str()
              << " s" << (m_passed ? "" : " (what differed follows)") << '\n'
              << std::flush;
    }
    post_banner(m_passed ? "passed" : "failed", m_detail);
    return outcome;
}

json LessonRun::timing_restore_body() const
{
    const json& before = m_timing_before.value_or(json());
    if (field_unsigned(before, "since_index") == 0) {
        return json{{"reset", true}};
    }
    json body{{"heartbeat_ms", field(before, "heartbeat_ms")},
              {"election_timeout_ms", field(before, "election_timeout_ms")},
              {"step_interval_ms", field(before, "step_interval_ms")}};
    for (const char* flag : {"pre_vote", "check_quorum"}) {
        if (field(before, flag).is_boolean()) {
            body[flag] = field(before, flag);
        }
    }
    return body;
}

void LessonRun::post_banner(const std::string& state, const std::string& detail)
{
    if (m_banner_unavailable) {
        return;
    }
    json banner{{"lesson", m_lesson.name},
                {"title", m_lesson.title},
                {"step", m_steps.size()},
                {"steps", m_lesson.steps},
                {"heading", cut(m_steps.empty() ? std::string(m_lesson.title) : m_steps.back().heading,
                                k_banner_heading_max)},
                {"text", cut(state == "running" && !m_steps.empty() ? m_steps.back().text
                                                : std::string(m_passed ? "Raft did what the lesson said."
                                                                       : "Raft did not do what the lesson said."),
                             k_banner_text_max)},
                {"state", state}};
    if (!detail.empty()) {
        banner["detail"] = cut(detail, k_banner_text_max);
    }
    util::Result<json> posted = m_client.post("/lesson", banner);
    if (!posted.ok()) {
        // A proxy without the banner route, or one that refuses it: the
        // lesson goes on in the terminal only.
        m_banner_unavailable = true;
        note("no banner on the dashboard: " + posted.error().message);
    }
}

json LessonRun::summary_json() const
{
    json steps = json::array();
    for (const StepRecord& record : m_steps) {
        steps.push_back(json{{"heading", record.heading},
                             {"observations", record.observations},
                             {"elapsed_ms", record.elapsed_ms}});
    }
    return json{{"lesson", m_lesson.name},
                {"title", m_lesson.title},
                {"passed", m_passed},
                {"detail", m_passed ? json(nullptr) : json(m_detail)},
                {"elapsed_ms", elapsed_ms()},
                {"steps", std::move(steps)}};
}

} // namespace raftescort::ctl::lesson
