// Tests of the node-to-node message codec (src/transport/http/codec.cpp,
// codec_decode.cpp, bounded_json.cpp, fuzz_entry.cpp).

#include "codec_test_support.hpp"

#include "transport/http/fuzz_entry.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace codec_test;
using raftescort::util::ErrorCode;
using transport::decode_envelope;
using transport::DecodeLimits;
using transport::encode_envelope;
using transport::Envelope;

namespace {

Envelope envelope_of(raft::Message message) { return Envelope{"prod-1", std::move(message)}; }

raft::Message base_message(raft::MessageType type, std::uint64_t term)
{
    raft::Message message;
    message.type = type;
    message.from = raft::NodeId{1};
    message.to = raft::NodeId{2};
    message.term = raft::Term{term};
    return message;
}

void require_round_trip(const Envelope& envelope)
{
    std::string body = encode_envelope(envelope);
    auto decoded = decode_envelope(body);
    INFO(body.substr(0, 300));
    REQUIRE(decoded.ok());
    REQUIRE(same_envelope(decoded.value(), envelope));
    // The encoding is canonical: encoding the decoded value gives the same bytes.
    REQUIRE(encode_envelope(decoded.value()) == body);
}

/// A heartbeat body with `extra` members spliced in after the header.
std::string heartbeat_with(const std::string& extra)
{
    return R"({"cluster":"c1","type":"heartbeat","from":1,"to":2,"term":5)" + extra + "}";
}

std::string append_with(const std::string& extra)
{
    return R"({"cluster":"c1","type":"append","from":1,"to":2,"term":5,"index":10)" + extra + "}";
}

void require_refused(const std::string& body, const std::string& expected,
                     const DecodeLimits& limits = {})
{
    auto decoded = decode_envelope(body, limits);
    INFO("body: " << body.substr(0, 200));
    REQUIRE_FALSE(decoded.ok());
    INFO("error: " << decoded.error().message);
    REQUIRE(decoded.error().code == ErrorCode::invalid_argument);
    REQUIRE(decoded.error().message.find(expected) != std::string::npos);
    // Errors quote at most ~40 bytes of input, so they stay short.
    REQUIRE(decoded.error().message.size() < 260);
}

} // namespace

TEST_CASE("codec round-trips a hand-written message of every type", "[transport]")
{
    // Goal: each message type, with the fields it really uses, survives encode then decode.
    auto vote = base_message(raft::MessageType::vote, 7);
    vote.index = raft::Index{42};
    vote.log_term = raft::Term{6};
    vote.transfer = true;
    auto pre_vote = vote;
    pre_vote.type = raft::MessageType::pre_vote;
    auto vote_response = base_message(raft::MessageType::vote_response, 7);
    vote_response.reject = true;
    vote_response.refusal = raft::VoteRefusal::stale_log;
    auto pre_vote_response = vote_response;
    pre_vote_response.type = raft::MessageType::pre_vote_response;
    pre_vote_response.refusal = raft::VoteRefusal::leader_alive;

    auto append = base_message(raft::MessageType::append, 5);
    append.index = raft::Index{10};
    append.log_term = raft::Term{4};
    append.commit = raft::Index{9};
    append.entries = {
        raft::Entry{raft::Term{4}, raft::Index{11}, raft::EntryType::normal, "set x 1"},
        raft::Entry{raft::Term{5}, raft::Index{12}, raft::EntryType::leader_noop, "1"},
        raft::Entry{raft::Term{5}, raft::Index{13}, raft::EntryType::conf_change,
                    std::string("\0\xff\x80 binary", 10)},
        raft::Entry{raft::Term{5}, raft::Index{14}, raft::EntryType::normal, ""},
    };
    auto append_response = base_message(raft::MessageType::append_response, 5);
    append_response.reject = true;
    append_response.index = raft::Index{13};
    append_response.conflict_index = raft::Index{8};
    append_response.conflict_term = raft::Term{3};

    auto heartbeat = base_message(raft::MessageType::heartbeat, 5);
    heartbeat.commit = raft::Index{9};
    heartbeat.read_round = 17;
    auto heartbeat_response = base_message(raft::MessageType::heartbeat_response, 5);
    heartbeat_response.read_round = 17;

    auto snapshot = base_message(raft::MessageType::snapshot, 5);
    snapshot.snapshot_metadata.index = raft::Index{100};
    snapshot.snapshot_metadata.term = raft::Term{4};
    snapshot.snapshot_metadata.conf.voters = {raft::NodeId{1}, raft::NodeId{2}, raft::NodeId{3}};
    snapshot.snapshot_metadata.conf.learners = {raft::NodeId{4}};
    snapshot.chunk_offset = 65536;
    snapshot.chunk_data = std::string(1000, '\x07');
    snapshot.chunk_last = true;
    auto snapshot_response = base_message(raft::MessageType::snapshot_response, 5);
    snapshot_response.chunk_offset = 66536;
    snapshot_response.chunk_last = true;
    auto timeout_now = base_message(raft::MessageType::timeout_now, 5);

    for (const auto& message :
         {vote, pre_vote, vote_response, pre_vote_response, append, append_response, heartbeat,
          heartbeat_response, snapshot, snapshot_response, timeout_now}) {
        INFO(raft::message_type_name(message.type));
        require_round_trip(envelope_of(message));
    }
}

TEST_CASE("codec writes the documented field names and omits defaults", "[transport]")
{
    // Goal: pin the on-the-wire contract; a rename here breaks rolling upgrades.
    auto heartbeat = base_message(raft::MessageType::heartbeat, 5);
    heartbeat.commit = raft::Index{9};
    REQUIRE(encode_envelope(envelope_of(heartbeat))
            == R"({"cluster":"prod-1","type":"heartbeat","from":1,"to":2,"term":5,"commit":9})");

    auto response = base_message(raft::MessageType::vote_response, 3);
    response.reject = true;
    response.refusal = raft::VoteRefusal::already_voted;
    REQUIRE(encode_envelope(envelope_of(response))
            == R"({"cluster":"prod-1","type":"vote_response","from":1,"to":2,"term":3,)"
               R"("reject":true,"refusal":"already_voted"})");

    auto append = base_message(raft::MessageType::append, 5);
    append.index = raft::Index{10};
    append.log_term = raft::Term{4};
    append.entries = {
        raft::Entry{raft::Term{5}, raft::Index{11}, raft::EntryType::normal, "foo"},
        raft::Entry{raft::Term{5}, raft::Index{12}, raft::EntryType::leader_noop, ""}};
    REQUIRE(encode_envelope(envelope_of(append))
            == R"({"cluster":"prod-1","type":"append","from":1,"to":2,"term":5,"index":10,)"
               R"("log_term":4,"entries":[{"term":5,"index":11,"data":"Zm9v"},)"
               R"({"term":5,"index":12,"type":"leader_noop"}]})");

    auto snapshot = base_message(raft::MessageType::snapshot, 5);
    snapshot.snapshot_metadata.index = raft::Index{100};
    snapshot.snapshot_metadata.term = raft::Term{4};
    snapshot.snapshot_metadata.conf.voters = {raft::NodeId{3}, raft::NodeId{1}};
    snapshot.chunk_data = "fo";
    snapshot.chunk_last = true;
    REQUIRE(encode_envelope(envelope_of(snapshot))
            == R"({"cluster":"prod-1","type":"snapshot","from":1,"to":2,"term":5,)"
               R"("snapshot":{"index":100,"term":4,"voters":[1,3]},"chunk_data":"Zm8=",)"
               R"("chunk_last":true})");
}

TEST_CASE("codec accepts default values written out explicitly", "[transport]")
{
    // Goal: an encoder that writes every field (another build, a person with curl) is understood.
    std::string explicit_body =
        heartbeat_with(R"(,"index":0,"log_term":0,"commit":0,"entries":[],"reject":false,)"
                       R"("conflict_index":0,"conflict_term":0,"refusal":"none","transfer":false,)"
                       R"("read_round":0,"chunk_offset":0,"chunk_data":"","chunk_last":false)");
    auto decoded = decode_envelope(explicit_body);
    REQUIRE(decoded.ok());
    auto minimal = decode_envelope(heartbeat_with(""));
    REQUIRE(minimal.ok());
    REQUIRE(same_envelope(decoded.value(), minimal.value()));
    REQUIRE(decoded.value().cluster_id == "c1");
    REQUIRE(decoded.value().message.term == raft::Term{5});

    // Whitespace, key order and an explicit "normal" entry type are all fine.
    auto spaced = decode_envelope(
        " {\"to\": 2, \"term\": 5, \"from\": 1, \"type\": \"append\", \"cluster\": \"c1\",\n"
        "  \"entries\": [ {\"index\": 1, \"term\": 5, \"type\": \"normal\", \"data\": \"\"} ] }\n");
    REQUIRE(spaced.ok());
    REQUIRE(spaced.value().message.entries.size() == 1);

    // The largest uint64 is a valid term.
    REQUIRE(decode_envelope(R"({"cluster":"c1","type":"heartbeat","from":1,"to":2,)"
                            R"("term":18446744073709551615})")
                .ok());
}

TEST_CASE("codec round-trips 10,000 random messages", "[transport]")
{
    // Goal: decode(encode(x)) == x across all types, byte values and number edges (seeded).
    Rng rng(20240611);
    for (int i = 0; i < 10000; ++i) {
        Envelope envelope = random_envelope(rng);
        std::string body = encode_envelope(envelope);
        auto decoded = decode_envelope(body);
        if (!decoded.ok()) {
            FAIL("round trip " << i << " failed: " << decoded.error().message << "\n"
                               << body.substr(0, 400));
        }
        if (!same_envelope(decoded.value(), envelope)) {
            FAIL("round trip " << i << " changed the message:\n" << body.substr(0, 400));
        }
    }
}

TEST_CASE("codec refuses malformed bodies with a message naming the problem", "[transport]")
{
    // Goal: every malformed body in the table below is an error that says what
    // and where.
    struct Case {
        std::string body;
        std::string expected;
    };
    const std::string cluster = R"("cluster":"c1",)";
    const std::vector<Case> cases = {
        // Not an object at all.
        {"", "body is empty"},
        {"{", "invalid JSON"},
        {"null", "must be a JSON object, got null"},
        {"[]", "must be a JSON object, got array"},
        {"[{\"cluster\":\"c1\"}]", "got array"},
        {"\"heartbeat\"", "got string"},
        {"42", "got number"},
        {heartbeat_with("") + " x", "invalid JSON at byte"},
        {heartbeat_with("") + "{}", "end of input"},
        {"\xef\xbb\xbf", "invalid JSON"},
        // Missing required fields.
        {R"({"type":"heartbeat","from":1,"to":2,"term":5})", "missing required field 'cluster'"},
        {"{" + cluster + R"("from":1,"to":2,"term":5})", "missing required field 'type'"},
        {"{" + cluster + R"("type":"heartbeat","to":2,"term":5})", "missing required field 'from'"},
        {"{" + cluster + R"("type":"heartbeat","from":1,"term":5})", "missing required field 'to'"},
        {"{" + cluster + R"("type":"heartbeat","from":1,"to":2})", "missing required field 'term'"},
        // Unknown names.
        {"{" + cluster + R"("type":"bogus","from":1,"to":2,"term":5})",
         "field 'type' is not a message type: 'bogus'"},
        {"{" + cluster + R"("type":"Heartbeat","from":1,"to":2,"term":5})", "'Heartbeat'"},
        {heartbeat_with(R"(,"extra":1)"), "unknown field 'extra'"},
        {heartbeat_with(R"(,"refusal":"stale log")"), "field 'refusal' is not a vote refusal"},
        {heartbeat_with(R"(,"refusal":"")"), "field 'refusal' is not a vote refusal: ''"},
        {heartbeat_with(R"(,"refusal":3)"), "field 'refusal' must be a string, got number"},
        {append_with(R"(,"entries":[{"term":5,"index":11,"type":""}])"),
         "field 'entries[0].type' is not an entry type: ''"},
        {append_with(R"(,"entries":[{"term":5,"index":11,"type":"weird"}])"),
         "field 'entries[0].type' is not an entry type"},
        {append_with(R"(,"entries":[{"term":5,"index":11,"x":1}])"),
         "unknown field 'x' in 'entries[0]'"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"size":1})"),
         "unknown field 'size' in 'snapshot'"},
        // Wrong JSON types.
        {heartbeat_with("").replace(heartbeat_with("").find("\"from\":1"), 8, "\"from\":\"1\""),
         "field 'from' must be an unsigned integer, got string"},
        {"{\"cluster\":5,\"type\":\"heartbeat\",\"from\":1,\"to\":2,\"term\":5}",
         "field 'cluster' must be a string, got number"},
        {"{" + cluster + R"("type":4,"from":1,"to":2,"term":5})", "field 'type' must be a string"},
        {heartbeat_with(R"(,"reject":1)"), "field 'reject' must be true or false, got number"},
        {heartbeat_with(R"(,"transfer":"true")"), "field 'transfer' must be true or false"},
        {heartbeat_with(R"(,"commit":null)"),
         "field 'commit' must be an unsigned integer, got null"},
        {heartbeat_with(R"(,"commit":true)"), "field 'commit' must be an unsigned integer"},
        {heartbeat_with(R"(,"entries":{})"), "field 'entries' must be an array, got object"},
        {heartbeat_with(R"(,"snapshot":[])"), "field 'snapshot' must be an object, got array"},
        {append_with(R"(,"entries":[5])"), "'entries[0]' must be an object, got number"},
        {heartbeat_with(R"(,"chunk_data":7)"), "field 'chunk_data' must be a string"},
        // Numbers out of the format's range.
        {heartbeat_with(R"(,"commit":-1)"), "field 'commit': must not be negative"},
        {heartbeat_with(R"(,"commit":-0)"), "field 'commit': must not be negative"},
        {heartbeat_with(R"(,"commit":1.5)"), "field 'commit': must be an integer"},
        {heartbeat_with(R"(,"commit":1.0)"), "field 'commit': must be an integer"},
        {heartbeat_with(R"(,"commit":1e2)"), "field 'commit': must be an integer"},
        {heartbeat_with(R"(,"commit":18446744073709551616)"), "field 'commit': must be an integer"},
        {heartbeat_with(R"(,"commit":1e400)"), "in field 'commit': number overflow"},
        {heartbeat_with(R"(,"commit":NaN)"), "invalid JSON at byte"},
        {heartbeat_with(R"(,"commit":Infinity)"), "in field 'commit'"},
        {heartbeat_with(R"(,"commit":-Infinity)"), "in field 'commit'"},
        {heartbeat_with(R"(,"commit":01)"), "invalid JSON at byte 71"},
        {heartbeat_with(R"(,"it's":1)"), "unknown field 'it\\x27s'"},
        {append_with(R"(,"entries":[{"term":5,"index":-11}])"),
         "field 'entries[0].index': must not be negative"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":[1,2.5]})"),
         "field 'snapshot.voters[1]': must be an integer"},
        // Node ids.
        {"{" + cluster + R"("type":"heartbeat","from":0,"to":2,"term":5})",
         "field 'from' must be a node id"},
        {"{" + cluster + R"("type":"heartbeat","from":1,"to":0,"term":5})",
         "field 'to' must be a node id"},
        {"{" + cluster + R"("type":"heartbeat","from":2,"to":2,"term":5})",
         "fields 'from' and 'to' must differ"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":[0]})"),
         "'snapshot.voters[0]' must be a node id"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":[1,1]})"),
         "'snapshot.voters[1]' repeats a node id"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":[1],"learners":[1]})"),
         "node 1 is in both"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"voters":[1]})"),
         "missing required field 'snapshot.term'"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":["1"]})"),
         "'snapshot.voters[0]' must be a node id"},
        // Duplicate keys (RFC 8259 §4).
        {heartbeat_with(R"(,"commit":1,"commit":2)"), "in field 'commit': duplicate key"},
        {R"({"cluster":"c1","cluster":"c2","type":"heartbeat","from":1,"to":2,"term":5})",
         "in field 'cluster': duplicate key"},
        {append_with(R"(,"entries":[{"term":5,"term":5,"index":11}])"),
         "in field 'entries[0].term': duplicate key"},
        // Cluster ids.
        {R"({"cluster":"","type":"heartbeat","from":1,"to":2,"term":5})",
         "field 'cluster' is not a valid cluster id"},
        {R"({"cluster":"a b","type":"heartbeat","from":1,"to":2,"term":5})",
         "field 'cluster' is not a valid cluster id: 'a b'"},
        {R"({"cluster":"caf\u00e9","type":"heartbeat","from":1,"to":2,"term":5})",
         "not a valid cluster id: 'caf\\xc3\\xa9'"},
        {"{\"cluster\":\"" + std::string(129, 'c')
             + "\",\"type\":\"heartbeat\",\"from\":1,"
               "\"to\":2,\"term\":5}",
         "not a valid cluster id"},
        // Invalid UTF-8 and bad strings.
        {"{\"cluster\":\"c\xff\",\"type\":\"heartbeat\",\"from\":1,\"to\":2,\"term\":5}",
         "in field 'cluster': syntax error while parsing value - invalid string: ill-formed UTF-8"},
        {"{\"cluster\":\"c\xc0\xaf\",\"type\":\"heartbeat\",\"from\":1,\"to\":2,\"term\":5}",
         "ill-formed UTF-8"},
        {"{\"cluster\":\"c\xed\xa0\x80\",\"type\":\"heartbeat\",\"from\":1,\"to\":2,\"term\":5}",
         "ill-formed UTF-8"},
        {R"({"cluster":"c\ud800","type":"heartbeat","from":1,"to":2,"term":5})",
         "in field 'cluster'"},
        {"{\"cluster\":\"c\x01\",\"type\":\"heartbeat\",\"from\":1,\"to\":2,\"term\":5}",
         "in field 'cluster'"},
        // Entries that break log matching (Raft §5.3).
        {heartbeat_with(R"(,"entries":[{"term":5,"index":1}])"),
         "field 'entries' is only allowed in an append"},
        {append_with(R"(,"entries":[{"term":5,"index":12}])"),
         "field 'entries[0].index' is 12, expected 11"},
        {append_with(R"(,"entries":[{"term":5,"index":11},{"term":5,"index":13}])"),
         "field 'entries[1].index' is 13, expected 12 (entries must be contiguous)"},
        {append_with(R"(,"entries":[{"term":5,"index":11},{"term":5,"index":11}])"),
         "field 'entries[1].index' is 11, expected 12"},
        {append_with(R"(,"entries":[{"term":5,"index":11},{"term":4,"index":12}])"),
         "field 'entries[1].term' is below the previous entry's term"},
        {append_with(R"(,"entries":[{"term":6,"index":11}])"),
         "field 'entries[0].term' is above the message term"},
        {append_with(R"(,"entries":[{"term":0,"index":11}])"),
         "field 'entries[0].term' must be positive"},
        {append_with(R"(,"entries":[{"index":11}])"), "missing required field 'entries[0].term'"},
        {append_with(R"(,"entries":[{"term":5}])"), "missing required field 'entries[0].index'"},
        {R"({"cluster":"c1","type":"append","from":1,"to":2,"term":5,)"
         R"("index":18446744073709551615,"entries":[{"term":5,"index":0}]})",
         "field 'index' leaves no room for the entries"},
        // Base64 payloads.
        {append_with(R"(,"entries":[{"term":5,"index":11,"data":"Zm9v!A=="}])"),
         "field 'entries[0].data': base64: invalid character at offset 4"},
        {append_with(R"(,"entries":[{"term":5,"index":11,"data":"Zm9"}])"),
         "field 'entries[0].data': base64: length 3 is not a multiple of 4"},
        {heartbeat_with(R"(,"chunk_data":"Zg=a")"), "field 'chunk_data': base64: padding"},
        {heartbeat_with(R"(,"chunk_data":"Zh==")"), "field 'chunk_data': base64: non-zero bits"},
        {heartbeat_with(R"(,"chunk_offset":18446744073709551615,"chunk_data":"Zg==")"),
         "field 'chunk_offset' plus the chunk size exceeds 2^64"},
        // Unknown keys are quoted, escaped and cut.
        {heartbeat_with(",\"" + std::string(1000, 'k') + "\":1"), "unknown field 'kkkkkkkk"},
        {heartbeat_with(",\"\\u001b[31m\":1"), "unknown field '\\x1b[31m'"},
        // A raw control character is not JSON; the error names the object, not a stale key.
        {heartbeat_with(",\"\x1b[31m\":1"), "byte 62: syntax error while parsing object key"},
        {heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":[1,2],"x\q":1})"),
         "in field 'snapshot': syntax error while parsing object key"},
    };
    for (const Case& refused : cases) {
        require_refused(refused.body, refused.expected);
    }
}

TEST_CASE("codec enforces its decode limits", "[transport]")
{
    // Goal: each DecodeLimits bound refuses input just past it and names the field.
    DecodeLimits limits;
    limits.body_bytes_max = 64;
    require_refused(heartbeat_with(std::string(100, ' ')),
                    "body of 160 bytes exceeds the limit of 64", limits);

    limits = DecodeLimits{};
    limits.entries_max = 2;
    std::string three_entries =
        R"(,"entries":[{"term":5,"index":11},{"term":5,"index":12},{"term":5,"index":13}])";
    require_refused(append_with(three_entries), "in field 'entries[2]': array has more than 2",
                    limits);
    REQUIRE(decode_envelope(append_with(three_entries)).ok());

    limits = DecodeLimits{};
    limits.string_bytes_max = 12;
    require_refused(heartbeat_with(R"(,"chunk_data":"AAAAAAAAAAAAAAAA")"),
                    "in field 'chunk_data': string of 16 bytes exceeds the limit of 12", limits);
    REQUIRE(decode_envelope(heartbeat_with(R"(,"chunk_data":"AAAAAAAAAAAA")"), limits).ok());

    limits = DecodeLimits{};
    limits.nesting_depth_max = 3;
    require_refused(heartbeat_with(R"(,"snapshot":{"index":1,"term":1,"voters":[[1]]})"),
                    "in field 'snapshot.voters[0]': nesting deeper than 3", limits);
    // Depth 3 is what a valid message needs.
    REQUIRE(decode_envelope(append_with(R"(,"entries":[{"term":5,"index":11}])"), limits).ok());
    // Objects never need more members than the envelope has fields.
    std::string many_members;
    for (int i = 0; i < 40; ++i) {
        many_members += ",\"f" + std::to_string(i) + "\":1";
    }
    require_refused(heartbeat_with(many_members), "members");
}

TEST_CASE("codec refuses 100,000-deep nesting and a 10 MB string quickly", "[transport]")
{
    // Goal: hostile shapes are refused early, without recursion or buffering the whole value.
    auto start = std::chrono::steady_clock::now();
    std::string deep_arrays(100000, '[');
    require_refused(deep_arrays, "nesting deeper than 8");
    std::string deep_objects;
    for (int i = 0; i < 100000; ++i) {
        deep_objects += "{\"a\":";
    }
    require_refused(deep_objects, "in field 'a.a.a.a.a.a.a.a': nesting deeper than 8");
    std::string deep_inside = heartbeat_with(",\"snapshot\":" + std::string(100000, '['));
    require_refused(deep_inside, "nesting deeper than 8");

    std::string huge_string =
        heartbeat_with(",\"chunk_data\":\"" + std::string(10'000'000, 'A') + "\"");
    // With the default limits the body size alone refuses it, before parsing.
    require_refused(huge_string, "exceeds the limit of 4194304");
    // Past a raised body limit, the string limit refuses it.
    DecodeLimits limits;
    limits.body_bytes_max = 16 * 1024 * 1024;
    require_refused(huge_string, "in field 'chunk_data': string of 10000000 bytes exceeds", limits);

    auto elapsed = std::chrono::steady_clock::now() - start;
    auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    std::printf("transport: deep nesting and 10 MB string refused in %lld ms\n",
                static_cast<long long>(elapsed_ms));
    // Generous, so sanitizer builds pass; the point is "not seconds".
    REQUIRE(elapsed_ms < 2000);
}

TEST_CASE("codec keeps heartbeats small", "[transport]")
{
    // Goal: an idle heartbeat stays under ~100 bytes; print the figures the lead asked for.
    auto heartbeat = base_message(raft::MessageType::heartbeat, 12345);
    heartbeat.from = raft::NodeId{3};
    heartbeat.to = raft::NodeId{5};
    heartbeat.commit = raft::Index{1'000'000};
    std::string heartbeat_body = encode_envelope(Envelope{"raftescort-prod", heartbeat});
    REQUIRE(heartbeat_body.size() < 100);

    auto append = base_message(raft::MessageType::append, 12345);
    append.index = raft::Index{1'000'000};
    append.log_term = raft::Term{12345};
    append.commit = raft::Index{1'000'000};
    Rng rng(7);
    for (std::uint64_t i = 1; i <= 256; ++i) {
        append.entries.push_back(raft::Entry{raft::Term{12345}, raft::Index{1'000'000 + i},
                                             raft::EntryType::normal, random_bytes(rng, 0)});
        append.entries.back().data = std::string(64, '\0');
        for (char& c : append.entries.back().data) {
            c = static_cast<char>(rng.uniform(256));
        }
    }
    std::string append_body = encode_envelope(Envelope{"raftescort-prod", append});
    REQUIRE(decode_envelope(append_body).ok());
    std::printf("transport: idle heartbeat %zu bytes: %s\n", heartbeat_body.size(),
                heartbeat_body.c_str());
    std::printf("transport: append of 256 x 64-byte entries %zu bytes (%zu payload bytes, "
                "%.1f bytes per entry)\n",
                append_body.size(), std::size_t{256 * 64},
                static_cast<double>(append_body.size()) / 256.0);
}

TEST_CASE("codec fuzz entry survives mutated encodings", "[transport]")
{
    // Goal: a small in-process fuzz run; byte flips, cuts and splices of valid bodies never crash.
    Rng rng(99);
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string body = encode_envelope(random_envelope(rng));
        switch (rng.uniform(4)) {
        case 0: body[rng.uniform(body.size())] = static_cast<char>(rng.uniform(256)); break;
        case 1: body.resize(rng.uniform(body.size())); break;
        case 2:
            body.insert(rng.uniform(body.size()), body.substr(0, rng.uniform(body.size())));
            break;
        default: body.erase(rng.uniform(body.size()), 1); break;
        }
        raftescort::util::Status status = raftescort::transport::http::decode_for_fuzzing(body);
        if (status.ok()) {
            ++accepted;
        } else {
            REQUIRE_FALSE(status.error().message.empty());
        }
    }
    // Some mutations (a digit changed inside a number) stay valid.
    REQUIRE(accepted > 0);
}

TEST_CASE("codec batches: envelopes joined by newlines decode in order, all or nothing",
          "[transport]")
{
    Rng rng(11);
    std::vector<Envelope> sent;
    std::string body;
    for (int i = 0; i < 50; ++i) {
        // Entry data with raw newlines: they travel escaped, never as separators.
        raft::Message message = random_message(rng, raft::MessageType::append);
        if (!message.entries.empty()) {
            message.entries[0].data = "line one\nline two\n";
        }
        sent.push_back(envelope_of(message));
        transport::append_to_batch(body, encode_envelope(sent.back()));
    }
    auto decoded = transport::decode_batch(body);
    REQUIRE(decoded.ok());
    REQUIRE(decoded.value().size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        CHECK(same_message(decoded.value()[i].message, sent[i].message));
    }

    // One envelope is a batch of one; a trailing newline is allowed.
    std::string single = encode_envelope(sent[0]);
    auto one = transport::decode_batch(single);
    REQUIRE(one.ok());
    CHECK(one.value().size() == 1);
    REQUIRE(transport::decode_batch(single + "\n").ok());

    // A bad message anywhere refuses the whole batch and is named.
    std::string bad = single + "\n" + single + "\n{\"cluster\":\"prod-1\"}";
    auto refused = transport::decode_batch(bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    CHECK_THAT(refused.error().message, Catch::StartsWith("message 3: "));

    auto empty_line = transport::decode_batch(single + "\n\n" + single);
    REQUIRE_FALSE(empty_line.ok());
    CHECK_THAT(empty_line.error().message, Catch::StartsWith("message 2: "));
    CHECK_FALSE(transport::decode_batch("").ok());
    CHECK_FALSE(transport::decode_batch("\n").ok());

    // More messages than the limit are refused before any is parsed.
    DecodeLimits limits;
    limits.batch_messages_max = 3;
    std::string four = single + "\n" + single + "\n" + single + "\n" + single;
    auto too_many = transport::decode_batch(four, limits);
    REQUIRE_FALSE(too_many.ok());
    CHECK(too_many.error().message == "4 messages in one body; at most 3");
    limits.batch_messages_max = 4;
    CHECK(transport::decode_batch(four, limits).ok());
}
