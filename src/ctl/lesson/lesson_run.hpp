#pragma once

// One run of a guided lesson: the steps it announces (in the terminal and
// on the dashboard's banner, through the proxy's POST /lesson), the checks
// that say whether Raft did what the lesson claims, and the state it puts
// back at the end (faults healed, the timing and the mission as they were).
//
// A lesson is a function of a LessonRun (lessons.hpp). It calls step() for
// each step, acts on the cluster through the proxy (ClusterProbe), and
// either returns Ok or the first check that did not hold, as a LessonFailure
// that names the step and says what was expected and what was seen.

#include "ctl/client.hpp"
#include "ctl/lesson/cluster_probe.hpp"

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace raftescort::ctl::lesson {

using Milliseconds = std::chrono::milliseconds;

struct LessonDefinition;

/// How a run is paced and reported.
struct LessonOptions {
    /// Wait this long after announcing each step, so a person can read it
    /// and watch the dashboard before the cluster changes.
    Milliseconds pace{0};
    /// Multiplies every wait for the cluster (slow machines, sanitizers).
    int patience = 1;
    /// Print nothing while running; the caller prints summary_json().
    bool quiet = false;
};

/// What one step did, for the summary.
struct StepRecord {
    std::string heading;
    /// The explanation, as printed and put on the banner.
    std::string text;
    /// What the step's checks saw, one line each ("node 3 leads term 4").
    std::vector<std::string> observations;
    std::int64_t elapsed_ms = 0;
};

class LessonRun {
public:
    /// `client_options` opens more clients for moves sent side by side.
    LessonRun(const LessonDefinition& lesson, ProxyClient& client,
              ProxyClientOptions client_options, std::ostream& out, LessonOptions options);

    /// Starts the next step: prints its heading and text, puts them on the
    /// banner, then waits the pace.
    void step(const std::string& heading, const std::string& text);
    /// A fact the step established, printed under it ("  ok  ...").
    void observe(const std::string& fact);
    /// A note that is not a check ("  ..  sent 2,000 moves").
    void note(const std::string& text);

    /// The failure of the current step: `expected` is what Raft should have
    /// done, `seen` what the cluster showed instead.
    util::Error failure(const std::string& expected, const std::string& seen) const;

    /// Polls `probe` every `every` until it yields a value or `timeout`
    /// (times the patience) is over; the failure names `expected` and what
    /// the last poll saw (its error message).
    template <typename T>
    util::Result<T> wait_for(const std::string& expected, Milliseconds timeout,
                             const std::function<util::Result<T>()>& probe,
                             Milliseconds every = Milliseconds(100));

    ClusterProbe& cluster() { return m_cluster; }
    /// Another connection to the proxy, for a thread of its own.
    util::Result<std::unique_ptr<ProxyClient>> open_client() const;
    const LessonOptions& options() const { return m_options; }
    Milliseconds scaled(Milliseconds wait) const { return wait * m_options.patience; }

    /// After the lesson, pass or fail: heals every fault, puts back the
    /// timing and the mission as they were at the start, prints the result
    /// and leaves it on the banner.
    util::Status finish(const util::Status& outcome);

    /// Remembers what finish() must restore (pauses a running mission and
    /// heals any fault left over); called once before step 1.
    util::Status remember_cluster();
    /// The lesson changed the timing: finish() puts back the one in force
    /// at the start.
    void changed_timing();
    /// Puts back the timing in force at the start now, rather than in finish().
    util::Status restore_timing();

    /// {lesson, title, passed, failed_step, detail, elapsed_ms, steps: [...]}.
    nlohmann::json summary_json() const;

private:
    void post_banner(const std::string& state, const std::string& detail);
    /// POST /timing's body that puts back the timing seen at the start.
    nlohmann::json timing_restore_body() const;
    std::int64_t elapsed_ms() const;

    const LessonDefinition& m_lesson;
    ProxyClient& m_client;
    ProxyClientOptions m_client_options;
    ClusterProbe m_cluster;
    std::ostream& m_out;
    LessonOptions m_options;
    std::chrono::steady_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_step_started;
    std::vector<StepRecord> m_steps;
    /// The banner route answered 404 (a proxy without lessons): stop posting.
    bool m_banner_unavailable = false;
    bool m_passed = false;
    std::string m_detail;
    /// What remember_cluster() saw.
    bool m_mission_was_running = false;
    std::optional<nlohmann::json> m_timing_before;
    bool m_timing_changed = false;
};

template <typename T>
util::Result<T> LessonRun::wait_for(const std::string& expected, Milliseconds timeout,
                                    const std::function<util::Result<T>()>& probe,
                                    Milliseconds every)
{
    const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
    std::string last = "nothing yet";
    while (true) {
        util::Result<T> seen = probe();
        if (seen.ok()) {
            return seen;
        }
        last = seen.error().message;
        if (std::chrono::steady_clock::now() >= deadline) {
            return failure(expected, last + " (waited " + std::to_string(scaled(timeout).count())
                                         + " ms)");
        }
        std::this_thread::sleep_for(every);
    }
}

} // namespace raftescort::ctl::lesson
