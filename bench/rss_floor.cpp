// The memory floor of a process that uses Debian's cpp-httplib: it constructs
// one server and sleeps. The library is built with OpenSSL, and its static
// initializer sets OpenSSL up before main runs, so every such process maps
// and touches libssl and libcrypto whether or not it speaks TLS. bench/run
// reads this process's resident set next to a node's.

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <thread>

int main()
{
    httplib::Server server;
    std::puts("ready");
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(30));
    return 0;
}
