// Making and comparing shared secrets (include/raftescort/transport/secret.hpp).

#include <raftescort/transport/secret.hpp>

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <cstdint>
#include <random>

namespace raftescort::transport {

bool secrets_equal(std::string_view expected, std::string_view given)
{
    // Differences are OR-ed together rather than returned at the first one:
    // the loop's length depends only on the longer input.
    unsigned difference = expected.size() == given.size() ? 0U : 1U;
    const std::size_t length = std::max(expected.size(), given.size());
    for (std::size_t i = 0; i < length; ++i) {
        const auto a = static_cast<unsigned char>(i < expected.size() ? expected[i] : 0);
        const auto b = static_cast<unsigned char>(i < given.size() ? given[i] : 0);
        difference |= static_cast<unsigned>(a ^ b);
    }
    return difference == 0;
}

std::string generate_secret_hex(std::size_t bytes)
{
    RE_ASSERT(bytes >= 1);
    static constexpr char k_hex[] = "0123456789abcdef";
    // random_device reads the kernel's generator (getrandom on Linux); each
    // call yields 32 random bits, of which four bytes are used.
    std::random_device device;
    std::string text;
    text.reserve(2 * bytes);
    while (text.size() < 2 * bytes) {
        std::uint32_t word = device();
        for (int part = 0; part < 4 && text.size() < 2 * bytes; ++part) {
            const auto byte = static_cast<unsigned>(word & 0xFFU);
            word >>= 8;
            text += k_hex[byte >> 4];
            text += k_hex[byte & 0x0FU];
        }
    }
    RE_ASSERT(text.size() == 2 * bytes);
    return text;
}

std::optional<std::string_view> bearer_token(std::string_view authorization)
{
    constexpr std::string_view k_scheme = "bearer ";
    if (authorization.size() <= k_scheme.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < k_scheme.size(); ++i) {
        const char c = authorization[i];
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != k_scheme[i]) {
            return std::nullopt;
        }
    }
    std::string_view token = authorization.substr(k_scheme.size());
    while (!token.empty() && token.front() == ' ') {
        token.remove_prefix(1);
    }
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
    }
    if (token.empty()) {
        return std::nullopt;
    }
    return token;
}

} // namespace raftescort::transport
