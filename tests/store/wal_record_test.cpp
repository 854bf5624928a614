// Tests of WAL record framing and payload codecs (src/store/wal_record.cpp).

#include "store/wal_record.hpp"
#include "store_test_support.hpp"

using namespace store_test;
namespace store = raftescort::store;

TEST_CASE("wal record frames round-trip and every cut is rejected", "[store]")
{
    // Goal: a framed entry decodes back to itself; any shorter prefix fails.
    std::string bytes;
    raft::Entry original = entry(7, 11, std::string("bin\0ary", 7));
    original.type = raft::EntryType::conf_change;
    store::append_record(bytes, store::RecordType::entry, store::encode_entry(original));
    REQUIRE(bytes.size() == store::k_record_frame_bytes + 17 + 7);
    auto frame = store::read_frame(bytes, 0);
    REQUIRE(frame.ok());
    REQUIRE(frame.value().type == store::RecordType::entry);
    REQUIRE(frame.value().size == bytes.size());
    auto decoded = store::decode_entry(frame.value().payload);
    REQUIRE(decoded.ok());
    REQUIRE(decoded.value() == original);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        REQUIRE_FALSE(store::read_frame(std::string_view(bytes).substr(0, size), 0).ok());
    }
}

TEST_CASE("wal record layout is little-endian length, type, crc, payload", "[store]")
{
    // Goal: the bytes on disk follow the documented layout exactly.
    std::string bytes;
    store::append_record(bytes, store::RecordType::hard_state,
                         store::encode_hard_state(hard_state(0x0102, 3, 4)));
    REQUIRE(bytes.size() == 9 + 24);
    REQUIRE(static_cast<unsigned char>(bytes[0]) == 24);
    REQUIRE(bytes.substr(1, 3) == std::string(3, '\0'));
    REQUIRE(static_cast<unsigned char>(bytes[4]) == 2);
    std::uint32_t expected_crc = raftescort::store::crc32c(bytes.data() + 4, 1);
    expected_crc = raftescort::store::crc32c(bytes.data() + 9, 24, expected_crc);
    std::uint32_t stored_crc = 0;
    for (int i = 3; i >= 0; --i) {
        stored_crc = (stored_crc << 8) | static_cast<unsigned char>(bytes[5 + i]);
    }
    REQUIRE(stored_crc == expected_crc);
    REQUIRE(static_cast<unsigned char>(bytes[9]) == 0x02);
    REQUIRE(static_cast<unsigned char>(bytes[10]) == 0x01);
}

TEST_CASE("wal record lengths from disk are bounds-checked", "[store]")
{
    // Goal: a length over the limit or past the end, an unknown type, a bad
    // checksum and malformed payloads are all errors, never out-of-bounds reads.
    std::string oversized =
        std::string("\xFF\xFF\xFF\x7F", 4) + std::string(1, '\x03') + std::string(4, '\0');
    auto over_limit = store::read_frame(oversized, 0);
    REQUIRE_FALSE(over_limit.ok());
    REQUIRE(contains(over_limit.error().message, "exceeds the limit"));
    std::string past_end = std::string("\x10\x00\x00\x00", 4) + std::string(1, '\x03')
                           + std::string(4, '\0') + "short";
    REQUIRE(contains(store::read_frame(past_end, 0).error().message, "past the end"));
    std::string good;
    store::append_record(good, store::RecordType::hard_state,
                         store::encode_hard_state(hard_state(1, 1, 1)));
    std::string unknown_type = good;
    unknown_type[4] = 9;
    REQUIRE(contains(store::read_frame(unknown_type, 0).error().message, "unknown record type"));
    std::string bad_crc = good;
    bad_crc[20] = static_cast<char>(bad_crc[20] ^ 1);
    REQUIRE(contains(store::read_frame(bad_crc, 0).error().message, "checksum"));
    REQUIRE_FALSE(store::decode_hard_state("short").ok());
    REQUIRE_FALSE(store::decode_entry(std::string(16, '\0')).ok());
    REQUIRE_FALSE(store::decode_segment_header(std::string(20, '\0')).ok());
    REQUIRE_FALSE(store::decode_log_reset(std::string(16, '\0')).ok());
}
