#pragma once

// Little-endian, fixed-width encoding of integers and byte strings, with a
// reader that checks every length against the bytes that remain: everything
// it reads comes from disk and may be torn or corrupt.

#include <raftescort/util/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace raftescort::store {

class ByteWriter {
public:
    explicit ByteWriter(std::string& out) : m_out(out) { }

    void put_u8(std::uint8_t value) { m_out.push_back(static_cast<char>(value)); }
    void put_u32(std::uint32_t value) { put_little_endian(value, 4); }
    void put_u64(std::uint64_t value) { put_little_endian(value, 8); }
    void put_bytes(std::string_view bytes) { m_out.append(bytes); }

private:
    void put_little_endian(std::uint64_t value, int width)
    {
        RE_ASSERT(width == 4 || width == 8);
        for (int i = 0; i < width; ++i) {
            m_out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
        }
    }

    std::string& m_out;
};

/// Reads from a view; every getter returns false (and reads nothing) when
/// fewer bytes remain than it needs.
class ByteReader {
public:
    explicit ByteReader(std::string_view bytes) : m_bytes(bytes) { }

    std::size_t remaining() const
    {
        RE_ASSERT(m_offset <= m_bytes.size());
        return m_bytes.size() - m_offset;
    }
    std::size_t offset() const { return m_offset; }

    bool get_u8(std::uint8_t& value)
    {
        if (remaining() < 1) {
            return false;
        }
        value = static_cast<std::uint8_t>(m_bytes[m_offset]);
        m_offset += 1;
        return true;
    }
    bool get_u32(std::uint32_t& value)
    {
        std::uint64_t wide = 0;
        if (!get_little_endian(wide, 4)) {
            return false;
        }
        value = static_cast<std::uint32_t>(wide);
        return true;
    }
    bool get_u64(std::uint64_t& value) { return get_little_endian(value, 8); }
    bool get_bytes(std::size_t size, std::string_view& bytes)
    {
        if (remaining() < size) {
            return false;
        }
        bytes = m_bytes.substr(m_offset, size);
        m_offset += size;
        return true;
    }

private:
    bool get_little_endian(std::uint64_t& value, int width)
    {
        RE_ASSERT(width == 4 || width == 8);
        if (remaining() < static_cast<std::size_t>(width)) {
            return false;
        }
        value = 0;
        for (int i = 0; i < width; ++i) {
            auto byte = static_cast<std::uint8_t>(m_bytes[m_offset + static_cast<std::size_t>(i)]);
            value |= static_cast<std::uint64_t>(byte) << (8 * i);
        }
        m_offset += static_cast<std::size_t>(width);
        return true;
    }

    std::string_view m_bytes;
    std::size_t m_offset = 0;
};

} // namespace raftescort::store
