// The test binaries' main. Every raftescort process ignores SIGPIPE
// (src/transport/http/signal_wait.cpp): a peer that closes its end while a
// server or sender is still writing, as at every test's teardown, must be an
// error return, not the end of the process. The tests run the same code
// under the same rule.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <csignal>

int main(int argc, char* argv[])
{
    std::signal(SIGPIPE, SIG_IGN);
    return Catch::Session().run(argc, argv);
}
