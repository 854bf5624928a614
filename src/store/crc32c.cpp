// CRC32C (Castagnoli), computed in software with one 256-entry table. The
// storage layer needs no hardware instruction: records are checksummed once
// on write and once on recovery, far from the hot path of the consensus loop.

#include <raftescort/store/disk_storage.hpp>
#include <raftescort/util/assert.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace raftescort::store {
namespace {

/// The Castagnoli polynomial 0x1EDC6F41, bit-reflected.
constexpr std::uint32_t k_crc32c_polynomial_reflected = 0x82F63B78U;

constexpr std::array<std::uint32_t, 256> make_crc32c_table()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
        std::uint32_t crc = byte;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 1U) != 0 ? (crc >> 1) ^ k_crc32c_polynomial_reflected : crc >> 1;
        }
        table[byte] = crc;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> k_crc32c_table = make_crc32c_table();

// The table must be the standard one: entry 1 is the reflected polynomial
// shifted once more, entry 128 is the polynomial itself.
static_assert(k_crc32c_table[0] == 0);
static_assert(k_crc32c_table[128] == k_crc32c_polynomial_reflected);

} // namespace

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc)
{
    // A null pointer is only acceptable for an empty range.
    if (data == nullptr) {
        RE_ASSERT(size == 0);
        return crc;
    }
    const auto* bytes = static_cast<const unsigned char*>(data);
    // The running value is kept inverted so that a previous result can be
    // passed back in as `crc` to continue over more bytes.
    std::uint32_t state = ~crc;
    for (std::size_t i = 0; i < size; ++i) {
        state = k_crc32c_table[(state ^ bytes[i]) & 0xFFU] ^ (state >> 8);
    }
    return ~state;
}

} // namespace raftescort::store
