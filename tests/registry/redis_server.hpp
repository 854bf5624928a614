#pragma once

// A real redis-server for the registry tests: started on a free loopback
// port, checked with PING, stopped by its PID (never by name).

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace raftescort::registry::testing {

/// True if `redis-server` is an executable somewhere on PATH.
inline bool redis_server_installed()
{
    const char* path = std::getenv("PATH");
    std::string directories = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= directories.size()) {
        std::size_t end = directories.find(':', start);
        if (end == std::string::npos) {
            end = directories.size();
        }
        std::string candidate = directories.substr(start, end - start) + "/redis-server";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

/// Binds 127.0.0.1:0 and returns the port the kernel chose. Another process
/// could take it before redis-server binds it; the start check catches that.
inline std::uint16_t find_free_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

/// Sends one inline command on a fresh connection and returns the first
/// bytes of the reply ("" on failure). Enough for PING and FLUSHALL.
inline std::string send_inline_command(std::uint16_t port, const std::string& command)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return {};
    }
    timeval timeout{0, 200 * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
        std::string request = command + "\r\n";
        char reply[64] = {};
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) > 0
            && ::recv(fd, reply, sizeof(reply) - 1, 0) > 0) {
            answer = reply;
        }
    }
    ::close(fd);
    return answer;
}

/// True on any RESP reply to PING ("+PONG", or "-NOAUTH" from a server with
/// a password), which proves the server is serving.
inline bool ping(std::uint16_t port)
{
    std::string answer = send_inline_command(port, "PING");
    return !answer.empty() && (answer[0] == '+' || answer[0] == '-');
}

/// One redis-server process. The destructor stops it, so a failed REQUIRE
/// never leaves a server behind.
class RedisServer {
public:
    explicit RedisServer(std::vector<std::string> extra_arguments = {})
        : m_port(find_free_port()), m_extra_arguments(std::move(extra_arguments))
    {
        // hiredis writes with write(2): a write to a socket the server reset
        // would raise SIGPIPE and end the test binary. The node runtime
        // ignores SIGPIPE for the same reason.
        ::signal(SIGPIPE, SIG_IGN);
        start();
    }
    ~RedisServer() { stop(); }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return m_port; }
    pid_t pid() const { return m_pid; }
    std::string url(const std::string& credentials = "") const
    {
        return "redis://" + credentials + "127.0.0.1:" + std::to_string(m_port);
    }

    void start()
    {
        if (!redis_server_installed()) {
            FAIL("redis-server is not installed (scripts/test installs it: apt-get install "
                 "redis-server); the registry tests need a real server");
        }
        REQUIRE(m_pid <= 0);
        std::vector<std::string> arguments = {
            "redis-server", "--port", std::to_string(m_port), "--bind", "127.0.0.1",
            "--save",       "",       "--appendonly",         "no",     "--dir",
            "/tmp"};
        arguments.insert(arguments.end(), m_extra_arguments.begin(), m_extra_arguments.end());
        std::vector<char*> argv;
        for (auto& argument : arguments) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        pid_t pid = 0;
        int spawned = posix_spawnp(&pid, "redis-server", &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(spawned == 0);
        m_pid = pid;
        // Bounded: a server that is not serving within 5 s is a failure.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!ping(m_port)) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                FAIL("redis-server exited at start (port " << m_port << " taken?)");
            }
            if (std::chrono::steady_clock::now() > deadline) {
                stop();
                FAIL("redis-server did not answer PING within 5 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    /// SIGSTOP: the socket stays open, the kernel still accepts connections,
    /// but nothing answers: the case that hangs clients without timeouts.
    void pause() { REQUIRE(::kill(m_pid, SIGSTOP) == 0); }
    void resume() { REQUIRE(::kill(m_pid, SIGCONT) == 0); }

    /// SIGKILL, so nothing is saved: the next start() is an empty Redis.
    void crash()
    {
        REQUIRE(m_pid > 0);
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

    /// SIGTERM (after SIGCONT, in case it is paused), then SIGKILL after 5 s.
    void stop()
    {
        if (m_pid <= 0) {
            return;
        }
        ::kill(m_pid, SIGCONT);
        ::kill(m_pid, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(m_pid, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        m_pid = -1;
    }

private:
    std::uint16_t m_port;
    std::vector<std::string> m_extra_arguments;
    pid_t m_pid = -1;
};

/// Registry options for a test client of `url_text` (cluster "test", node-1).
inline RegistryOptions options_for(const std::string& url_text)
{
    auto url = parse_redis_url(url_text);
    REQUIRE(url.ok());
    RegistryOptions options;
    options.url = url.value();
    options.cluster_id = "test";
    options.client_name = "node-1";
    options.run_id = "run-1";
    return options;
}

} // namespace raftescort::registry::testing
