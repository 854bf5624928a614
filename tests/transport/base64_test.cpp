// Tests of the strict base64 codec (src/transport/http/base64.cpp).

#include "transport/http/base64.hpp"

#include <raftescort/util/rng.hpp>

#include <catch2/catch.hpp>

#include <string>

using raftescort::transport::http::base64_decode;
using raftescort::transport::http::base64_encode;
using raftescort::transport::http::base64_encoded_size;

TEST_CASE("base64 matches the RFC 4648 test vectors", "[transport]")
{
    // Goal: RFC 4648 §10 vectors encode and decode exactly.
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [bytes, text] : vectors) {
        REQUIRE(base64_encode(bytes) == text);
        auto decoded = base64_decode(text);
        REQUIRE(decoded.ok());
        REQUIRE(decoded.value() == bytes);
    }
    REQUIRE(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
    REQUIRE(base64_encode("\xfb\xff") == "+/8=");
}

TEST_CASE("base64 round-trips every byte value and length", "[transport]")
{
    // Goal: decode(encode(x)) == x for random bytes of lengths 0..300 (seeded).
    raftescort::util::Rng rng(4648);
    for (std::size_t length = 0; length <= 300; ++length) {
        std::string bytes(length, '\0');
        for (char& c : bytes) {
            c = static_cast<char>(rng.uniform(256));
        }
        std::string text = base64_encode(bytes);
        REQUIRE(text.size() == base64_encoded_size(length));
        auto decoded = base64_decode(text);
        REQUIRE(decoded.ok());
        REQUIRE(decoded.value() == bytes);
    }
    std::string all(256, '\0');
    for (int i = 0; i < 256; ++i) {
        all[static_cast<std::size_t>(i)] = static_cast<char>(i);
    }
    REQUIRE(base64_decode(base64_encode(all)).value() == all);
}

TEST_CASE("base64 refuses bad characters, bad padding and wrong lengths", "[transport]")
{
    // Goal: only the canonical text of some byte string decodes; errors say what and where.
    const std::pair<std::string, std::string> refused[] = {
        {"Zm9", "length 3 is not a multiple of 4"},
        {"Zm9vY", "length 5 is not a multiple of 4"},
        {"Z", "length 1"},
        {"Zm9v!A==", "invalid character at offset 4"},
        {"Zm 9", "invalid character at offset 2"},
        {"Zm9v\n", "length 5"},
        {"Zm9v\nZm9", "invalid character at offset 4"},
        {"Zm-_", "invalid character at offset 2"},
        {std::string("Zm\0v", 4), "invalid character at offset 2"},
        {"Zm9\x80", "invalid character at offset 3"},
        {"====", "padding before the end at offset 0"},
        {"Z===", "padding before the end at offset 1"},
        {"=Zg=", "padding before the end at offset 0"},
        {"Zg=a", "padding before the end at offset 2"},
        {"Zg==Zg==", "padding before the end at offset 2"},
        {"Zh==", "non-zero bits before padding at offset 1"},
        {"Zm9=", "non-zero bits before padding at offset 2"},
    };
    for (const auto& [text, expected] : refused) {
        auto decoded = base64_decode(text);
        INFO(text);
        REQUIRE_FALSE(decoded.ok());
        INFO(decoded.error().message);
        REQUIRE(decoded.error().message.find(expected) != std::string::npos);
    }
}
