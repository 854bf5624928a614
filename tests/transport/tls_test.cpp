// Tests of TLS on raftescort's HTTP (include/raftescort/transport/tls.hpp and
// HttpServer::enable_tls) on loopback, with certificates from
// scripts/make-certs: a member with a certificate from the cluster's CA is
// served; one with another CA's certificate, with none, or speaking plain
// HTTP is refused in the handshake; and a client refuses a server the CA did
// not sign. Raft messages travel over mutual TLS end to end.

#include "codec_test_support.hpp"
#include "http_test_server.hpp"
#include "raw_client.hpp"

#include <raftescort/transport/http_server.hpp>
#include <raftescort/transport/peer_sender.hpp>
#include <raftescort/transport/raft_endpoint.hpp>
#include <raftescort/transport/tls.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using http_test::RawClient;
using http_test::TestServer;
using raftescort::transport::HttpServer;
using raftescort::transport::TlsFiles;

namespace {

/// Two CAs in a fresh directory: the cluster's, with certificates for
/// "member" and "proxy", and a stranger's, with one for "rogue".
class Certificates {
public:
    Certificates()
        : m_dir(std::filesystem::temp_directory_path()
                / ("raftescort-tls-" + std::to_string(::getpid()) + "-"
                   + std::to_string(s_made.fetch_add(1))))
    {
        const std::string script = std::string(RAFTESCORT_SOURCE_DIR) + "/scripts/make-certs";
        REQUIRE(
            std::system(
                (script + " " + (m_dir / "cluster").string() + " member proxy > /dev/null").c_str())
            == 0);
        REQUIRE(std::system(
                    (script + " " + (m_dir / "stranger").string() + " rogue > /dev/null").c_str())
                == 0);
    }
    ~Certificates() { std::filesystem::remove_all(m_dir); }

    TlsFiles member() const { return files("cluster", "member", "cluster"); }
    TlsFiles proxy() const { return files("cluster", "proxy", "cluster"); }
    /// A certificate of another CA, trusting the cluster's CA.
    TlsFiles rogue() const { return files("stranger", "rogue", "cluster"); }
    /// The stranger's own view: it trusts only its CA.
    TlsFiles rogue_server() const { return files("stranger", "rogue", "stranger"); }

private:
    TlsFiles files(const std::string& issuer, const std::string& name,
                   const std::string& trusted) const
    {
        return TlsFiles{(m_dir / issuer / (name + ".pem")).string(),
                        (m_dir / issuer / (name + ".key")).string(),
                        (m_dir / trusted / "ca.pem").string()};
    }

    static inline std::atomic<int> s_made{0};
    std::filesystem::path m_dir;
};

void install_hello(HttpServer& server)
{
    server.Get("/hello", [](const httplib::Request& request, httplib::Response& response) {
        response.set_content("hello " + request.get_param_value("name"), "text/plain");
    });
}

} // namespace

TEST_CASE("tls: a member with the CA's certificate is served, others are refused",
          "[transport][tls]")
{
    Certificates certificates;
    HttpServer server;
    install_hello(server);
    REQUIRE(server.enable_tls(certificates.member(), true).ok());
    REQUIRE(server.bind("127.0.0.1", 0));
    server.start();

    SECTION("a member: many requests over one connection")
    {
        auto client = raftescort::transport::make_http_client("127.0.0.1", server.port(),
                                                              certificates.proxy());
        client->set_keep_alive(true);
        for (int i = 0; i < 10; ++i) {
            auto result = client->Get("/hello?name=" + std::to_string(i));
            REQUIRE(result);
            CHECK(result->body == "hello " + std::to_string(i));
        }
        CHECK(server.stats().accepted_total == 1);
    }
    SECTION("another CA's certificate, no certificate, plain HTTP")
    {
        auto rogue = raftescort::transport::make_http_client("127.0.0.1", server.port(),
                                                             certificates.rogue());
        CHECK_FALSE(rogue->Get("/hello"));

        httplib::Client anonymous("https://127.0.0.1:" + std::to_string(server.port()));
        anonymous.enable_server_certificate_verification(false);
        CHECK_FALSE(anonymous.Get("/hello"));

        RawClient plain(server.port());
        REQUIRE(plain.send("GET /hello HTTP/1.1\r\n\r\n"));
        CHECK(RawClient::status_of(plain.read_response(1s)) != 200);
        CHECK(plain.closed_within(2s));

        CHECK(http_test::wait_until([&] { return server.stats().handshakes_failed_total >= 3; }));
        // Still serving members.
        auto member = raftescort::transport::make_http_client("127.0.0.1", server.port(),
                                                              certificates.proxy());
        auto result = member->Get("/hello?name=after");
        REQUIRE(result);
        CHECK(result->body == "hello after");
    }
    server.stop();
}

TEST_CASE("tls: a client refuses a server whose certificate the CA did not sign",
          "[transport][tls]")
{
    Certificates certificates;
    HttpServer impostor;
    install_hello(impostor);
    REQUIRE(impostor.enable_tls(certificates.rogue_server(), false).ok());
    REQUIRE(impostor.bind("127.0.0.1", 0));
    impostor.start();
    auto client = raftescort::transport::make_http_client("127.0.0.1", impostor.port(),
                                                          certificates.member());
    auto result = client->Get("/hello");
    CHECK_FALSE(result);
    impostor.stop();
}

TEST_CASE("tls: enabling names the file that is wrong", "[transport][tls]")
{
    Certificates certificates;
    TlsFiles files = certificates.member();
    HttpServer server;
    TlsFiles missing = files;
    missing.cert_file += ".missing";
    auto refused = server.enable_tls(missing, true);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("--tls-cert"));
    TlsFiles mismatched = files;
    mismatched.key_file = certificates.proxy().key_file;
    refused = server.enable_tls(mismatched, true);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message,
               Catch::Contains("--tls-key") && Catch::Contains("not the key of --tls-cert"));
    CHECK(raftescort::transport::check_tls_files(files).ok());
}

TEST_CASE("tls: Raft messages travel over mutual TLS", "[transport][tls]")
{
    using namespace codec_test;
    Certificates certificates;
    std::mutex mutex;
    std::vector<raft::Message> received;
    raftescort::transport::HttpServerOptions options;
    TestServer::Setup setup = [&](HttpServer& http) {
        REQUIRE(http.enable_tls(certificates.member(), true).ok());
        transport::RaftEndpointOptions endpoint;
        endpoint.cluster_id = "c1";
        endpoint.self = raft::NodeId{2};
        endpoint.cluster_token = "tok";
        transport::install_raft_endpoint(http, endpoint,
                                         [&](std::vector<transport::InboundMessage> inbound) {
                                             std::lock_guard lock(mutex);
                                             for (transport::InboundMessage& message : inbound) {
                                                 received.push_back(message.message);
                                             }
                                             return true;
                                         });
    };
    TestServer node(setup, options);
    transport::PeerSenderOptions sender_options;
    sender_options.cluster_id = "c1";
    sender_options.self_address = "127.0.0.1:1";
    sender_options.cluster_token = "tok";
    sender_options.tls = certificates.member();
    transport::PeerSender sender(sender_options, raft::NodeId{2}, node.address());
    for (std::uint64_t term = 1; term <= 50; ++term) {
        raft::Message message;
        message.type = raft::MessageType::heartbeat;
        message.from = raft::NodeId{1};
        message.to = raft::NodeId{2};
        message.term = raft::Term{term};
        REQUIRE(sender.enqueue(message));
    }
    REQUIRE(http_test::wait_until([&] {
        std::lock_guard lock(mutex);
        return received.size() == 50;
    }));
    std::lock_guard lock(mutex);
    CHECK(received.back().term == raft::Term{50});
}
