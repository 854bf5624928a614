// raftescort-sim: runs the deterministic simulator over many seeds, replays
// one seed with a trace, or proves that each deliberate bug is caught.
//
//   raftescort-sim --seeds N [--start S] [--jobs J]
//   raftescort-sim --seed S [--trace] [--mutant x]
//   raftescort-sim --check-mutants --seeds N [--jobs J]
//
// Every run is single-threaded and a pure function of its seed; threads
// only split seeds between workers. The wall clock is read for the closing
// timing line only. A failed assertion inside a run fails that seed only.

#include "sim/sim_options.hpp"
#include "sim/sim_run.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using raftescort::sim::RunResult;
using raftescort::sim::RunSettings;
using raftescort::sim::SimMutations;

struct CliOptions {
    std::uint64_t seeds = 0;
    std::uint64_t start = 1;
    std::optional<std::uint64_t> seed;
    bool trace = false;
    bool check_mutants = false;
    std::optional<char> mutant;
    unsigned jobs = 2;
};

const char* const k_usage =
    "usage:\n"
    "  raftescort-sim --seeds N [--start S] [--jobs J] [--mutant x]\n"
    "      run seeds S..S+N-1 (S defaults to 1); print each failing seed and\n"
    "      a closing line \"N passed, M failed\"; exit 1 if any failed\n"
    "  raftescort-sim --seed S [--trace] [--mutant x]\n"
    "      run one seed; --trace prints its options and every event\n"
    "  raftescort-sim --check-mutants --seeds N [--jobs J]\n"
    "      for each deliberate bug (a)-(f), run seeds 1..N until one fails;\n"
    "      exit 1 if some bug is not caught\n"
    "  --jobs J                 worker threads (default 2)\n"
    "mutants: (a) vote_without_log_check (b) commit_old_term_by_count\n"
    "         (c) forget_voted_for_on_restart (d) ack_before_persist\n"
    "         (e) leader_ignores_higher_term (f) apply_before_commit\n";

/// The seed a worker thread is running, for the abort handler's message.
thread_local std::uint64_t t_current_seed = 0;
/// Where a worker resumes when the core's RE_ASSERT aborts during its run.
thread_local sigjmp_buf t_abort_landing;
thread_local bool t_abort_landing_set = false;

void write_all(int fd, const char* text)
{
    std::size_t length = std::strlen(text);
    while (length > 0) {
        const ssize_t written = ::write(fd, text, length);
        if (written <= 0) {
            return;
        }
        text += written;
        length -= static_cast<std::size_t>(written);
    }
}

/// Formats `value` in decimal into `buffer` (async-signal-safe).
const char* format_decimal(std::uint64_t value, char (&buffer)[24])
{
    char* cursor = buffer + sizeof(buffer) - 1;
    *cursor = '\0';
    do {
        *--cursor = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    return cursor;
}

/// A broken assertion in the core (or the simulator) aborts. The seed is a
/// failing seed like any other, so name it and, inside a sweep, jump back to
/// the worker loop and go on with the next seed. The aborted run's memory is
/// leaked; glibc's abort() holds no lock while the handler runs.
extern "C" void on_abort(int)
{
    char buffer[24];
    write_all(2, "raftescort-sim: seed ");
    write_all(2, format_decimal(t_current_seed, buffer));
    write_all(2, " aborted (assertion above)\n");
    if (t_abort_landing_set) {
        siglongjmp(t_abort_landing, 1);
    }
    std::signal(SIGABRT, SIG_DFL);
    std::abort();
}

/// Runs one seed; an abort inside it becomes a failed result.
RunResult run_guarded(std::uint64_t seed, const RunSettings& settings)
{
    t_current_seed = seed;
    if (sigsetjmp(t_abort_landing, 1) != 0) {
        t_abort_landing_set = false;
        RunResult aborted;
        aborted.seed = seed;
        aborted.failure = "assertion: the run aborted on a failed RE_ASSERT (message on stderr)";
        return aborted;
    }
    t_abort_landing_set = true;
    RunResult result = raftescort::sim::run_seed(seed, settings);
    t_abort_landing_set = false;
    return result;
}

bool parse_u64(const char* text, std::uint64_t& value)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long parsed = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        return false;
    }
    value = parsed;
    return true;
}

std::optional<CliOptions> parse(int argc, char** argv)
{
    CliOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        std::uint64_t value = 0;
        if (arg == "--help" || arg == "-h") {
            std::cout << k_usage;
            std::exit(0);
        } else if (arg == "--trace") {
            options.trace = true;
        } else if (arg == "--check-mutants") {
            options.check_mutants = true;
        } else if (arg == "--mutant" && has_value && std::strlen(argv[i + 1]) == 1
                   && raftescort::sim::mutations_for(argv[i + 1][0])) {
            options.mutant = argv[++i][0];
        } else if (arg == "--seeds" && has_value && parse_u64(argv[i + 1], value) && value > 0) {
            options.seeds = value;
            ++i;
        } else if (arg == "--start" && has_value && parse_u64(argv[i + 1], value)) {
            options.start = value;
            ++i;
        } else if (arg == "--seed" && has_value && parse_u64(argv[i + 1], value)) {
            options.seed = value;
            ++i;
        } else if (arg == "--jobs" && has_value && parse_u64(argv[i + 1], value) && value > 0
                   && value <= 256) {
            options.jobs = static_cast<unsigned>(value);
            ++i;
        } else {
            std::cerr << "raftescort-sim: bad argument '" << arg << "'\n" << k_usage;
            return std::nullopt;
        }
    }
    if (!options.seed && options.seeds == 0) {
        std::cerr << "raftescort-sim: give --seeds N or --seed S\n" << k_usage;
        return std::nullopt;
    }
    return options;
}

struct SweepResult {
    std::vector<RunResult> runs;
    std::uint64_t executed = 0;
};

/// Runs seeds first..first+count-1 on `jobs` threads. With `stop_at_failure`
/// workers stop once a failure is known below their next seed, so the
/// smallest failing seed is still found.
SweepResult sweep(std::uint64_t first, std::uint64_t count, unsigned jobs,
                  const RunSettings& settings, bool stop_at_failure)
{
    SweepResult sweep_result;
    sweep_result.runs.resize(count);
    std::vector<char> done(count, 0);
    std::atomic<std::uint64_t> next{0};
    std::atomic<std::uint64_t> first_failure{count};
    auto worker = [&] {
        while (true) {
            const std::uint64_t offset = next.fetch_add(1);
            if (offset >= count || (stop_at_failure && offset > first_failure.load())) {
                return;
            }
            RunResult result = run_guarded(first + offset, settings);
            if (!result.passed) {
                std::uint64_t known = first_failure.load();
                while (offset < known && !first_failure.compare_exchange_weak(known, offset)) {
                }
            }
            // Each slot is written by exactly one worker; join() publishes it.
            sweep_result.runs[offset] = std::move(result);
            done[offset] = 1;
        }
    };
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < jobs; ++i) {
        threads.emplace_back(worker);
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    std::vector<RunResult> finished;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (done[i]) {
            finished.push_back(std::move(sweep_result.runs[i]));
        }
    }
    sweep_result.executed = finished.size();
    sweep_result.runs = std::move(finished);
    return sweep_result;
}

RunSettings settings_of(std::optional<char> mutant)
{
    RunSettings settings;
    if (mutant) {
        settings.mutations = *raftescort::sim::mutations_for(*mutant);
    }
    return settings;
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run_seeds(const CliOptions& options)
{
    const auto start = std::chrono::steady_clock::now();
    const SweepResult result =
        sweep(options.start, options.seeds, options.jobs, settings_of(options.mutant), false);
    std::uint64_t failed = 0;
    std::uint64_t ticks = 0;
    std::uint64_t events = 0;
    std::uint64_t protocol_flips = 0;
    std::uint64_t seeds_with_flips = 0;
    for (const RunResult& run : result.runs) {
        ticks += run.ticks;
        events += run.events;
        protocol_flips += run.protocol_flips;
        seeds_with_flips += run.protocol_flips > 0 ? 1 : 0;
        if (!run.passed) {
            ++failed;
            std::cout << "seed " << run.seed << " FAILED: " << run.failure << "\n";
        }
    }
    const std::uint64_t passed = result.runs.size() - failed;
    std::cout << passed << " passed, " << failed << " failed\n";
    std::printf("(%llu ticks, %llu events, %llu protocol flips in %llu seeds, %.1f s on %u jobs)\n",
                static_cast<unsigned long long>(ticks), static_cast<unsigned long long>(events),
                static_cast<unsigned long long>(protocol_flips),
                static_cast<unsigned long long>(seeds_with_flips), seconds_since(start),
                options.jobs);
    return failed == 0 ? 0 : 1;
}

int run_one(const CliOptions& options)
{
    RunSettings settings = settings_of(options.mutant);
    settings.trace = options.trace ? &std::cout : nullptr;
    const RunResult result = run_guarded(*options.seed, settings);
    if (!result.passed) {
        std::cout << "seed " << result.seed << " FAILED: " << result.failure << "\n";
    }
    std::cout << (result.passed ? 1 : 0) << " passed, " << (result.passed ? 0 : 1) << " failed\n";
    return result.passed ? 0 : 1;
}

int check_mutants(const CliOptions& options)
{
    const auto start = std::chrono::steady_clock::now();
    int missed = 0;
    for (char letter : raftescort::sim::k_mutant_letters) {
        const SweepResult result = sweep(1, options.seeds, options.jobs, settings_of(letter), true);
        std::cout << "mutant (" << letter << ") " << raftescort::sim::mutant_name(letter) << " ";
        const RunResult* caught = nullptr;
        for (const RunResult& run : result.runs) {
            if (!run.passed) {
                caught = &run;
                break;
            }
        }
        if (caught != nullptr) {
            std::cout << "caught by seed " << caught->seed << ": " << caught->failure << "\n";
        } else {
            ++missed;
            std::cout << "NOT caught in " << options.seeds << " seeds\n";
        }
        std::cout.flush();
    }
    std::printf("(%.1f s on %u jobs)\n", seconds_since(start), options.jobs);
    return missed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    const std::optional<CliOptions> options = parse(argc, argv);
    if (!options) {
        return 2;
    }
    std::signal(SIGABRT, on_abort);
    if (options->check_mutants) {
        return check_mutants(*options);
    }
    if (options->seed) {
        return run_one(*options);
    }
    return run_seeds(*options);
}
