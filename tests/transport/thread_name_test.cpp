// Thread names (src/transport/http/thread_name.cpp): what `top -H` and perf
// show for each of a node's threads, read back from /proc.

#include <raftescort/transport/thread_name.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <thread>

#include <sys/syscall.h>
#include <unistd.h>

namespace {

/// The calling thread's name as the kernel keeps it.
std::string own_thread_name()
{
    std::ifstream comm("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name;
}

std::string name_in_new_thread(const std::string& name)
{
    std::string seen;
    std::thread thread([&] {
        raftescort::transport::name_this_thread(name);
        seen = own_thread_name();
    });
    thread.join();
    return seen;
}

} // namespace

TEST_CASE("a thread takes the name it gives itself", "[transport][thread-name]")
{
    REQUIRE(name_in_new_thread("send-12") == "send-12");
}

TEST_CASE("a thread name longer than the kernel keeps is cut to 15 bytes",
          "[transport][thread-name]")
{
    REQUIRE(name_in_new_thread("poll-registry-and-more") == "poll-registry-a");
}
