// Unit tests of the one decimal reader (util/decimal.hpp).

#include <raftescort/util/decimal.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string_view>

using raftescort::util::parse_decimal;
using raftescort::util::take_decimal;

TEST_CASE("a decimal is the whole text or nothing", "[util][decimal]")
{
    // Goal: every edge that reads a number refuses the same malformed texts.
    CHECK(parse_decimal<std::uint64_t>("0") == 0u);
    CHECK(parse_decimal<std::uint64_t>("007") == 7u);
    CHECK(parse_decimal<std::uint64_t>("18446744073709551615") == UINT64_MAX);
    CHECK(parse_decimal<std::int64_t>("-42") == -42);
    for (std::string_view bad : {"", "+1", " 1", "1 ", "1x", "x1", "0x10", "1.5", "1e3", "--1"}) {
        INFO('"' << bad << '"');
        CHECK_FALSE(parse_decimal<std::int64_t>(bad));
        CHECK_FALSE(parse_decimal<std::uint64_t>(bad));
    }
    CHECK_FALSE(parse_decimal<std::uint64_t>("-1"));
    CHECK_FALSE(parse_decimal<std::uint64_t>("18446744073709551616"));
    CHECK_FALSE(parse_decimal<std::uint16_t>("65536"));
    CHECK(parse_decimal<std::uint16_t>("65535") == 65535);
    CHECK(parse_decimal<int>("12") == 12);
}

TEST_CASE("take_decimal reads a number off the front of a text", "[util][decimal]")
{
    // Goal: fields of a line ("12-7") read one after another; a failed read
    // leaves the text as it was.
    std::string_view text = "12-7 rest";
    CHECK(take_decimal<std::uint64_t>(text) == 12u);
    CHECK(text == "-7 rest");
    CHECK_FALSE(take_decimal<std::uint64_t>(text));
    CHECK(text == "-7 rest");
    CHECK(take_decimal<std::int64_t>(text) == -7);
    CHECK(text == " rest");
    std::string_view plus = "+3";
    CHECK_FALSE(take_decimal<std::int64_t>(plus));
    CHECK(plus == "+3");
    std::string_view huge = "99999999999999999999x";
    CHECK_FALSE(take_decimal<std::uint64_t>(huge));
    CHECK(huge == "99999999999999999999x");
}
