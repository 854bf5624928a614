#pragma once

// The simulator proves that its checks catch real bugs by running a build of
// this core with deliberate ones compiled in (include/raftescort/raft/
// mutations.hpp): the target raftescort_core_mutants defines
// RAFTESCORT_MUTANTS and only the simulator and the core's tests link it. In
// every other build RE_MUTANT is the constant false, the compiler drops what
// it guards, and every invariant below holds unconditionally.

#ifdef RAFTESCORT_MUTANTS
#define RE_MUTANT(config, name) ((config).mutations.name)
#else
#define RE_MUTANT(config, name) false
#endif
