#pragma once

// Child processes for the integration tests: started with posix_spawn, their
// output sent to files, signalled and reaped by PID only. A test never ends a
// process by name (pkill), so it cannot touch anything it did not start,
// including the nodes of another test running at the same time.

#include "integration/wait.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace raftescort::integration {

/// How a child ended, as waitpid reported it.
struct ExitStatus {
    bool exited = false;
    /// The exit code when `exited`.
    int code = 0;
    /// The signal that ended it when not `exited`.
    int signal = 0;

    bool clean() const { return exited && code == 0; }

    std::string describe() const
    {
        if (exited) {
            return "exited with code " + std::to_string(code);
        }
        return std::string("killed by signal ") + std::to_string(signal) + " ("
               + ::strsignal(signal) + ")";
    }

    static ExitStatus from_wait_status(int status)
    {
        ExitStatus result;
        if (WIFEXITED(status)) {
            result.exited = true;
            result.code = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            result.signal = WTERMSIG(status);
        }
        return result;
    }
};

/// The first `name` found on PATH or in the sbin directories (where `ip` and
/// `iptables` live, which a non-login PATH may lack); "" if none.
inline std::string find_executable(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::string directories =
        std::string(path != nullptr ? path : "/usr/bin:/bin") + ":/usr/sbin:/sbin:/usr/local/sbin";
    std::size_t start = 0;
    while (start <= directories.size()) {
        std::size_t end = directories.find(':', start);
        if (end == std::string::npos) {
            end = directories.size();
        }
        std::string candidate = directories.substr(start, end - start) + "/" + name;
        if (end > start && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        start = end + 1;
    }
    return {};
}

/// The last `line_count` lines of a text file ("" if it cannot be read).
inline std::string file_tail(const std::string& path, std::size_t line_count)
{
    std::ifstream file(path);
    if (!file) {
        return {};
    }
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(file, line)) {
        lines.push_back(std::move(line));
        // Bounded memory for a long log: keep twice the tail, trim in batches.
        if (lines.size() > 2 * line_count + 64) {
            lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(line_count));
        }
    }
    std::size_t first = lines.size() > line_count ? lines.size() - line_count : 0;
    std::ostringstream out;
    for (std::size_t i = first; i < lines.size(); ++i) {
        out << lines[i] << '\n';
    }
    return out.str();
}

/// The bytes of a file from `offset` on ("" if it cannot be read).
inline std::string file_from(const std::string& path, std::streamoff offset)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return {};
    }
    file.seekg(offset);
    std::ostringstream out;
    out << file.rdbuf();
    return out.str();
}

/// The size of a file in bytes, 0 if it does not exist.
inline std::streamoff file_size(const std::string& path)
{
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    return file ? static_cast<std::streamoff>(file.tellg()) : 0;
}

/// One child process. The destructor kills and reaps a child still running,
/// so a failed REQUIRE never leaves a process behind.
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess() { force_kill(); }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Starts argv[0] (an absolute path) with stdin from /dev/null and stdout
    /// and stderr appended to the given files (they may be the same file).
    void start(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path)
    {
        REQUIRE(m_pid <= 0);
        REQUIRE(!argv.empty());
        std::vector<std::string> arguments = argv;
        std::vector<char*> pointers;
        for (auto& argument : arguments) {
            pointers.push_back(argument.data());
        }
        pointers.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
        // The test ignores SIGPIPE (for its HTTP and Redis clients); an ignored
        // signal survives exec, so the child gets the default back and sets
        // its own disposition, as it would when started from a shell.
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        sigset_t mask;
        sigemptyset(&mask);
        posix_spawnattr_setsigmask(&attributes, &mask);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

        pid_t pid = 0;
        int spawned = ::posix_spawn(&pid, arguments[0].c_str(), &actions, &attributes,
                                    pointers.data(), environ);
        posix_spawnattr_destroy(&attributes);
        posix_spawn_file_actions_destroy(&actions);
        INFO("posix_spawn " << arguments[0] << ": " << ::strerror(spawned));
        REQUIRE(spawned == 0);
        m_pid = pid;
        m_last_pid = pid;
        m_exit.reset();
    }

    /// The running child's PID, or -1.
    pid_t pid() const { return m_pid; }
    /// The PID of the latest child, also after it was reaped (for messages).
    pid_t last_pid() const { return m_last_pid; }

    /// True while the child has not exited; reaps it if it has.
    bool alive()
    {
        if (m_pid <= 0) {
            return false;
        }
        int status = 0;
        pid_t reaped = ::waitpid(m_pid, &status, WNOHANG);
        if (reaped == m_pid) {
            m_exit = ExitStatus::from_wait_status(status);
            m_pid = -1;
            return false;
        }
        return true;
    }

    /// How the last child ended, once it was reaped.
    const std::optional<ExitStatus>& exit_status() const { return m_exit; }

    /// Sends `signal` to the running child.
    void send_signal(int signal)
    {
        REQUIRE(m_pid > 0);
        REQUIRE(::kill(m_pid, signal) == 0);
    }

    /// SIGKILL and reap: the crash fault.
    ExitStatus kill_and_reap()
    {
        REQUIRE(m_pid > 0);
        ::kill(m_pid, SIGKILL);
        int status = 0;
        REQUIRE(::waitpid(m_pid, &status, 0) == m_pid);
        m_exit = ExitStatus::from_wait_status(status);
        m_pid = -1;
        return *m_exit;
    }

    /// Waits up to `timeout` for the child to exit by itself.
    std::optional<ExitStatus> wait_exit(Milliseconds timeout)
    {
        poll_until(
            timeout, [&] { return !alive(); }, Milliseconds(5));
        return m_pid > 0 ? std::nullopt : m_exit;
    }

    /// SIGKILL and reap without assertions: safe in destructors, also while
    /// a failed REQUIRE unwinds the stack.
    void force_kill() noexcept
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            if (::waitpid(m_pid, &status, 0) == m_pid) {
                m_exit = ExitStatus::from_wait_status(status);
            }
            m_pid = -1;
        }
    }

    /// SIGCONT (in case it is paused), then SIGTERM; does not wait.
    void request_stop()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGCONT);
            ::kill(m_pid, SIGTERM);
        }
    }

    /// The clean stop: SIGCONT (in case it is paused), SIGTERM, then SIGKILL
    /// if it has not exited after `grace`. Returns how it ended.
    ExitStatus terminate(Milliseconds grace)
    {
        if (m_pid <= 0) {
            return m_exit.value_or(ExitStatus{});
        }
        request_stop();
        if (auto status = wait_exit(grace)) {
            return *status;
        }
        return kill_and_reap();
    }

private:
    pid_t m_pid = -1;
    pid_t m_last_pid = -1;
    std::optional<ExitStatus> m_exit;
};

/// Runs a short command (ip, iptables) to completion and returns its exit
/// code; its stdout and stderr, merged, go to `output` when given. Bounded:
/// the command is killed after `timeout`.
inline int run_command(const std::vector<std::string>& argv, std::string* output = nullptr,
                       Milliseconds timeout = Milliseconds(10000))
{
    REQUIRE(!argv.empty());
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    std::vector<std::string> arguments = argv;
    std::vector<char*> pointers;
    for (auto& argument : arguments) {
        pointers.push_back(argument.data());
    }
    pointers.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    pid_t pid = 0;
    int spawned =
        ::posix_spawn(&pid, arguments[0].c_str(), &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (spawned != 0) {
        ::close(pipe_fds[0]);
        INFO("posix_spawn " << arguments[0] << ": " << ::strerror(spawned));
        REQUIRE(spawned == 0);
    }
    // The commands used here print little; read until EOF (the child exits or
    // is killed below), then reap.
    ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    std::string text;
    int status = 0;
    const auto deadline = Clock::now() + timeout;
    bool reaped = false;
    while (!reaped) {
        char buffer[4096];
        ssize_t count = ::read(pipe_fds[0], buffer, sizeof(buffer));
        if (count > 0) {
            text.append(buffer, static_cast<std::size_t>(count));
            continue;
        }
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            break;
        }
        if (Clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            reaped = true;
            text += "\n(killed after the timeout)";
            break;
        }
        std::this_thread::sleep_for(Milliseconds(2));
    }
    // Whatever the child wrote just before exiting.
    char buffer[4096];
    ssize_t count = 0;
    while ((count = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0) {
        text.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(pipe_fds[0]);
    if (output != nullptr) {
        *output = text;
    }
    ExitStatus exit = ExitStatus::from_wait_status(status);
    return exit.exited ? exit.code : 128 + exit.signal;
}

} // namespace raftescort::integration
