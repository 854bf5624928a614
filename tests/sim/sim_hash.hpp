#pragma once

// Small, portable hashing and seed derivation for the simulator. Everything
// the simulator compares across nodes (entries, log prefixes) goes through
// these so a run is the same on every platform (std::hash is not portable).

#include <cstdint>
#include <string_view>

namespace raftescort::sim {

/// The splitmix64 finalizer: a cheap, well-mixing bijection on 64 bits.
inline std::uint64_t mix64(std::uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// FNV-1a over the bytes, then mixed.
inline std::uint64_t hash_bytes(std::string_view bytes)
{
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 0x100000001b3ULL;
    }
    return mix64(hash);
}

/// Order-sensitive combination of two hashes.
inline std::uint64_t hash_combine(std::uint64_t seed, std::uint64_t value)
{
    return mix64(seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

/// An independent stream seed derived from a run seed, so adding a random
/// draw in one part of the simulator does not shift every other part.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream)
{
    return hash_combine(mix64(seed + 0x51ed270b27f5a3c1ULL), mix64(stream));
}

} // namespace raftescort::sim
