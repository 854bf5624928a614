#pragma once

// Tells the cluster fixture whether an assertion of the running test failed,
// so that it prints the nodes' logs after a failed CHECK as well; a failed
// REQUIRE is also seen through std::uncaught_exceptions().
//
// Catch2 v2 declares its listener interface only when
// CATCH_CONFIG_EXTERNAL_INTERFACES is defined before the first
// #include <catch2/catch.hpp> of a file, so this header must come first:
// test files include "integration/local_cluster.hpp" before anything else.

#if defined(TWOBLUECUBES_SINGLE_INCLUDE_CATCH_HPP_INCLUDED)                                        \
    && !defined(CATCH_CONFIG_EXTERNAL_INTERFACES)
#error "include integration/local_cluster.hpp before <catch2/catch.hpp> and other test headers"
#endif
#ifndef CATCH_CONFIG_EXTERNAL_INTERFACES
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#endif

#include <catch2/catch.hpp>

#include <cstdint>

namespace raftescort::integration {

/// Failed assertions in this process so far (each may be counted more than
/// once; only changes matter).
inline std::uint64_t& failed_assertions()
{
    static std::uint64_t count = 0;
    return count;
}

class FailedAssertionCounter : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    bool assertionEnded(const Catch::AssertionStats& stats) override
    {
        if (!stats.assertionResult.isOk()) {
            ++failed_assertions();
        }
        return true;
    }
};

// An inline variable is constructed once for the whole program, however many
// test files include this header, so the listener is registered once.
inline Catch::ListenerRegistrar<FailedAssertionCounter> g_failed_assertion_counter_registrar;

} // namespace raftescort::integration
