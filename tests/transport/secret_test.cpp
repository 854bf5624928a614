// Tests of making and comparing shared secrets (src/transport/http/secret.cpp)
// and of the JSON media type rule (include/raftescort/transport/json_media_type.hpp).

#include <raftescort/transport/json_media_type.hpp>
#include <raftescort/transport/secret.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace raftescort::transport;

TEST_CASE("secrets_equal is equality on bytes", "[transport][secret]")
{
    // Goal: equal exactly when the bytes are equal: a prefix, an extension,
    // one changed byte (first, middle, last), an embedded NUL and the empty
    // secret are all told apart.
    const std::string token = "0123456789abcdef0123456789abcdef";
    CHECK(secrets_equal(token, token));
    CHECK(secrets_equal("", ""));
    CHECK_FALSE(secrets_equal(token, ""));
    CHECK_FALSE(secrets_equal("", token));
    CHECK_FALSE(secrets_equal(token, token.substr(0, token.size() - 1)));
    CHECK_FALSE(secrets_equal(token, token + "0"));
    for (std::size_t at : {std::size_t{0}, token.size() / 2, token.size() - 1}) {
        std::string changed = token;
        changed[at] = changed[at] == 'x' ? 'y' : 'x';
        INFO("changed byte " << at);
        CHECK_FALSE(secrets_equal(token, changed));
    }
    const std::string with_nul("ab\0cd", 5);
    CHECK(secrets_equal(with_nul, std::string("ab\0cd", 5)));
    CHECK_FALSE(secrets_equal(with_nul, std::string("ab\0ce", 5)));
    CHECK_FALSE(secrets_equal(with_nul, "ab"));
}

TEST_CASE("generate_secret_hex makes distinct hex tokens of the asked size", "[transport][secret]")
{
    // Goal: 2 * bytes lowercase hex characters, never the same twice in 200
    // draws (a repeat of 256 random bits would mean a broken source), and
    // every hex digit shows up (the bytes are not, say, all below 0x80).
    std::set<std::string> seen;
    std::set<char> digits;
    for (int i = 0; i < 200; ++i) {
        const std::string token = generate_secret_hex();
        REQUIRE(token.size() == 2 * k_secret_bytes);
        for (const char c : token) {
            REQUIRE(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
            digits.insert(c);
        }
        seen.insert(token);
    }
    CHECK(seen.size() == 200);
    CHECK(digits.size() == 16);
    CHECK(generate_secret_hex(1).size() == 2);
    CHECK(generate_secret_hex(5).size() == 10);
}

TEST_CASE("bearer_token reads 'Authorization: Bearer TOKEN'", "[transport][secret]")
{
    // Goal: the token of the Bearer scheme, whatever the scheme's case and
    // spaces around the token; nothing for another scheme, a bare token or
    // an empty one.
    CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("bearer abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("BEARER  abc  ") == std::optional<std::string_view>("abc"));
    CHECK_FALSE(bearer_token("Basic YWJj"));
    CHECK_FALSE(bearer_token("abc"));
    CHECK_FALSE(bearer_token("Bearer "));
    CHECK_FALSE(bearer_token("Bearer    "));
    CHECK_FALSE(bearer_token("Bearerabc"));
    CHECK_FALSE(bearer_token(""));
}

TEST_CASE("only application/json is a JSON media type", "[transport][secret]")
{
    // Goal: parameters, case and spaces are allowed; the types an HTML form
    // can send across sites are not, nor a missing type or a look-alike.
    CHECK(is_json_media_type("application/json"));
    CHECK(is_json_media_type("application/json; charset=utf-8"));
    CHECK(is_json_media_type("Application/JSON;charset=UTF-8"));
    CHECK(is_json_media_type(" application/json "));
    CHECK_FALSE(is_json_media_type(""));
    CHECK_FALSE(is_json_media_type("text/plain"));
    CHECK_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
    CHECK_FALSE(is_json_media_type("multipart/form-data; boundary=x"));
    CHECK_FALSE(is_json_media_type("application/jsonx"));
    CHECK_FALSE(is_json_media_type("application/json-patch+json"));
    CHECK_FALSE(is_json_media_type("text/json"));
    const std::string refusal = json_media_type_refusal("/mission", "text/plain");
    CHECK(refusal.find("application/json") != std::string::npos);
    CHECK(refusal.find("text/plain") != std::string::npos);
    CHECK(json_media_type_refusal("/mission", "").find("no Content-Type") != std::string::npos);
}
