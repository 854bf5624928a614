#pragma once

// RE_ASSERT stays on in release builds: a broken invariant in a consensus
// core must stop the process, never continue with corrupt state.

#include <cstdio>
#include <cstdlib>

namespace raftescort::util {

[[noreturn]] inline void assertion_failed(const char* expression, const char* file, int line)
{
    std::fprintf(stderr, "raftescort: assertion failed: %s (%s:%d)\n", expression, file, line);
    std::fflush(stderr);
    std::abort();
}

} // namespace raftescort::util

#define RE_ASSERT(expression)                                                                      \
    do {                                                                                           \
        if (!(expression)) {                                                                       \
            ::raftescort::util::assertion_failed(#expression, __FILE__, __LINE__);                 \
        }                                                                                          \
    } while (false)
