// Strict base64; see base64.hpp.

#include "transport/http/base64.hpp"

#include <raftescort/util/assert.hpp>

#include <array>
#include <cstdint>

namespace raftescort::transport::http {
namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static_assert(k_alphabet.size() == 64);

/// Marks a byte that is not in the alphabet.
constexpr std::uint8_t k_invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table()
{
    std::array<std::uint8_t, 256> table{};
    for (auto& value : table) {
        value = k_invalid;
    }
    for (std::size_t i = 0; i < k_alphabet.size(); ++i) {
        table[static_cast<unsigned char>(k_alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}

constexpr std::array<std::uint8_t, 256> k_decode_table = make_decode_table();

util::Error base64_error(std::string what, std::size_t offset)
{
    return util::make_error(util::ErrorCode::invalid_argument,
                            "base64: " + std::move(what) + " at offset " + std::to_string(offset));
}

} // namespace

std::string base64_encode(std::string_view bytes)
{
    std::string out;
    out.reserve(base64_encoded_size(bytes.size()));
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t group = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16)
                              | (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8)
                              | std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
        out += k_alphabet[(group >> 18) & 0x3F];
        out += k_alphabet[(group >> 12) & 0x3F];
        out += k_alphabet[(group >> 6) & 0x3F];
        out += k_alphabet[group & 0x3F];
    }
    std::size_t remaining = bytes.size() - i;
    if (remaining > 0) {
        std::uint32_t group = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
        if (remaining == 2) {
            group |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
        }
        out += k_alphabet[(group >> 18) & 0x3F];
        out += k_alphabet[(group >> 12) & 0x3F];
        out += remaining == 2 ? k_alphabet[(group >> 6) & 0x3F] : '=';
        out += '=';
    }
    RE_ASSERT(out.size() == base64_encoded_size(bytes.size()));
    return out;
}

util::Result<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0) {
        return base64_error("length " + std::to_string(text.size()) + " is not a multiple of 4",
                            text.size());
    }
    // Padding is legal only in the last group, as its last one or two characters.
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') {
        padding = text[text.size() - 2] == '=' ? 2 : 1;
    }
    std::size_t data_length = text.size() - padding;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t group = 0;
    std::size_t group_count = 0;
    for (std::size_t i = 0; i < data_length; ++i) {
        std::uint8_t value = k_decode_table[static_cast<unsigned char>(text[i])];
        if (value == k_invalid) {
            return base64_error(text[i] == '=' ? "padding before the end" : "invalid character", i);
        }
        group = (group << 6) | value;
        ++group_count;
        if (group_count == 4) {
            out += static_cast<char>((group >> 16) & 0xFF);
            out += static_cast<char>((group >> 8) & 0xFF);
            out += static_cast<char>(group & 0xFF);
            group = 0;
            group_count = 0;
        }
    }
    // Every full group was consumed above; what is left pairs with the padding.
    RE_ASSERT(group_count == (padding == 0 ? 0 : 4 - padding));
    if (padding == 2) {
        if ((group & 0x0F) != 0) {
            return base64_error("non-zero bits before padding", data_length - 1);
        }
        out += static_cast<char>((group >> 4) & 0xFF);
    } else if (padding == 1) {
        if ((group & 0x03) != 0) {
            return base64_error("non-zero bits before padding", data_length - 1);
        }
        out += static_cast<char>((group >> 10) & 0xFF);
        out += static_cast<char>((group >> 2) & 0xFF);
    }
    return out;
}

} // namespace raftescort::transport::http
