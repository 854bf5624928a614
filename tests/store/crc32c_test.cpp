// Tests of the CRC32C implementation (src/store/crc32c.cpp).

#include <raftescort/store/disk_storage.hpp>

#include <catch2/catch.hpp>

#include <string>

using raftescort::store::crc32c;

TEST_CASE("crc32c matches the standard check value", "[store]")
{
    // Goal: the Castagnoli CRC of "123456789" is the published 0xE3069283.
    const std::string check = "123456789";
    REQUIRE(crc32c(check.data(), check.size()) == 0xE3069283U);
    REQUIRE(crc32c(nullptr, 0) == 0U);
    // RFC 3720 B.4 vector: 32 bytes of zeros.
    const std::string zeros(32, '\0');
    REQUIRE(crc32c(zeros.data(), zeros.size()) == 0x8A9136AAU);
}

TEST_CASE("crc32c continues over split input", "[store]")
{
    // Goal: feeding a previous result back in equals one pass over the whole input.
    const std::string text = "the quick brown fox jumps over the lazy dog";
    std::uint32_t whole = crc32c(text.data(), text.size());
    for (std::size_t split = 0; split <= text.size(); ++split) {
        std::uint32_t first = crc32c(text.data(), split);
        std::uint32_t both = crc32c(text.data() + split, text.size() - split, first);
        REQUIRE(both == whole);
    }
}
