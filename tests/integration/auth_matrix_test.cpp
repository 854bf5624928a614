// Integration: who may change a running cluster. Real processes: a
// redis-server, three nodes started WITHOUT --cluster-token, and proxies.

#include "integration/proxy_process.hpp"

#include <raftescort/registry/registry.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

using namespace raftescort::integration;
using nlohmann::json;

namespace {

const std::string k_wrong_admin = std::string("Bearer ") + k_test_admin_token + "X";

/// A plain TCP listener on `host`: the address a member added by someone
/// would have, where that someone waits for the cluster's Raft traffic. It
/// accepts nothing; it only tells whether anyone connected.
class SilentListener {
public:
    explicit SilentListener(const std::string& host)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(m_fd >= 0);
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        REQUIRE(::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
        socklen_t length = sizeof(address);
        REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        REQUIRE(::listen(m_fd, 16) == 0);
        m_address = host + ":" + std::to_string(ntohs(address.sin_port));
    }
    ~SilentListener() { ::close(m_fd); }
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;

    const std::string& address() const { return m_address; }

    /// Whether a connection arrives within `timeout` (it is accepted and
    /// closed at once).
    bool connected_within(Milliseconds timeout)
    {
        pollfd ready{m_fd, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) {
            return false;
        }
        int connection = ::accept(m_fd, nullptr, nullptr);
        if (connection >= 0) {
            ::close(connection);
        }
        return true;
    }

private:
    int m_fd = -1;
    std::string m_address;
};

std::string header_of(const httplib::Result& result, const char* name)
{
    return result ? result->get_header_value(name) : std::string();
}

/// A raw POST with exactly these headers (no default Authorization).
httplib::Result raw_post(const std::string& address, const std::string& path,
                         const httplib::Headers& headers, const std::string& body,
                         const char* content_type = "application/json")
{
    const std::size_t colon = address.rfind(':');
    httplib::Client client(address.substr(0, colon),
                           static_cast<int>(std::stoi(address.substr(colon + 1))));
    client.set_read_timeout(std::chrono::seconds(8));
    client.set_connection_timeout(std::chrono::seconds(2));
    return client.Post(path.c_str(), headers, body, content_type);
}

std::string describe(const httplib::Result& result)
{
    if (!result) {
        return "no answer (" + httplib::to_string(result.error()) + ")";
    }
    return "HTTP " + std::to_string(result->status) + " " + result->body.substr(0, 300);
}

/// One route that changes the cluster and a body it would act on.
struct ChangeRoute {
    std::string path;
    json body;
};

/// Every change route refuses a request with no credential (401 with the
/// Bearer challenge, saying how to authenticate) and with wrong ones (401).
void check_refusals(const std::string& address, const std::vector<ChangeRoute>& routes,
                    const std::vector<httplib::Headers>& wrong_credentials, bool envelope)
{
    for (const ChangeRoute& route : routes) {
        INFO(address << " POST " << route.path);
        httplib::Result missing = raw_post(address, route.path, {}, route.body.dump());
        INFO(describe(missing));
        REQUIRE(missing);
        CHECK(missing->status == 401);
        CHECK(header_of(missing, "WWW-Authenticate") == "Bearer realm=\"raftescort\"");
        const json answer = json::parse(missing->body, nullptr, false);
        const std::string message = answer.value(envelope ? "message" : "error", std::string());
        CHECK(message.find("Authorization: Bearer") != std::string::npos);
        for (const httplib::Headers& wrong : wrong_credentials) {
            httplib::Result refused = raw_post(address, route.path, wrong, route.body.dump());
            INFO(describe(refused));
            REQUIRE(refused);
            CHECK(refused->status == 401);
            CHECK(refused->body.find("wrong") != std::string::npos);
        }
    }
}

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    std::string text;
    std::getline(file, text);
    return text;
}

} // namespace

TEST_CASE("auth_matrix", "[integration][auth]")
{
    // Goal: only the operator changes the cluster, and only members talk Raft.
    // Method: bootstrap 3 nodes with no --cluster-token: they must share the
    // founder's generated token (in each data dir, mode 0600, and in Redis),
    // and refuse /raft/message and /join without it (403). Then every change
    // route of a node and of the proxy, with no token and wrong ones (401),
    // and the right ones (mission pause/start, transfer-leader, members add
    // and remove succeed); every read route without a token (200); a POST
    // that is not JSON (415). Last, a user without the admin token asks the
    // proxy to add a member at an address where a plain TCP listener waits:
    // 401, and for 3 s nobody connects to it; with the admin token the add
    // succeeds and the leader connects within seconds.
    ClusterOptions options;
    options.name = "auth";
    options.step_interval = Milliseconds(200);
    LocalCluster cluster(options);
    cluster.bootstrap(3);

    // --- The generated cluster token -------------------------------------
    const std::string token = read_text(cluster.data_dir(1) + "/cluster-token");
    CHECK(std::regex_match(token, std::regex("[0-9a-f]{64}")));
    for (std::uint64_t id = 1; id <= 3; ++id) {
        const std::string path = cluster.data_dir(id) + "/cluster-token";
        INFO(path);
        CHECK(read_text(path) == token);
        struct stat info { };
        REQUIRE(::stat(path.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
    }
    auto registry_options = raftescort::registry::testing::options_for(cluster.redis().url());
    registry_options.cluster_id = options.name;
    raftescort::registry::Registry registry(registry_options);
    auto in_redis = registry.read_cluster_token(0);
    REQUIRE(in_redis.ok());
    CHECK(in_redis.value() == std::optional<std::string>(token));

    NodeStatus leader = cluster.wait_for_leader();
    const std::string leader_address = cluster.address_of(leader.id);
    const httplib::Headers member{{"X-Raftescort-Token", token}};
    const httplib::Headers admin{{"Authorization", std::string("Bearer ") + k_test_admin_token}};
    for (std::uint64_t id = 1; id <= 3; ++id) {
        const std::string address = cluster.address_of(id);
        INFO("node " << id);
        for (const char* path : {"/raft/message", "/join"}) {
            INFO(path);
            const std::string body = R"({"id": 9, "address": "127.0.0.1:9"})";
            httplib::Result missing = raw_post(address, path, {}, body);
            REQUIRE(missing);
            CHECK(missing->status == 403);
            httplib::Result wrong =
                raw_post(address, path, {{"X-Raftescort-Token", token + "0"}}, body);
            REQUIRE(wrong);
            CHECK(wrong->status == 403);
            // The admin token is not a member's credential.
            httplib::Result operator_only = raw_post(address, path, admin, body);
            REQUIRE(operator_only);
            CHECK(operator_only->status == 403);
        }
    }

    // --- A node's routes ---------------------------------------------------
    const std::vector<ChangeRoute> node_changes = {
        {"/mission", {{"action", "pause"}}},
        {"/members/add", {{"id", 9}, {"address", "127.0.0.1:9"}}},
        {"/members/remove", {{"id", 9}}},
        {"/transfer-leader", json::object()},
        {"/chaos", {{"kind", "isolate"}, {"for_ms", 1000}}},
    };
    check_refusals(leader_address, node_changes,
                   {{{"Authorization", k_wrong_admin}},
                    {{"X-Raftescort-Token", token.substr(1) + "0"}},
                    {{"Authorization", "Bearer " + token}}},
                   false);
    CHECK(cluster.wait_for_leader().id == leader.id);
    for (const char* path : {"/health", "/status", "/position", "/logs", "/chaos"}) {
        INFO("node GET " << path);
        NodeClient anonymous(cluster.host_of(leader.id), cluster.port_of(leader.id), false);
        CHECK(anonymous.get(path).status == 200);
    }
    {
        NodeClient anonymous(cluster.host_of(leader.id), cluster.port_of(leader.id), false);
        HttpReply moved = anonymous.post("/move", {{"dx", 1}, {"dy", 0}});
        INFO(moved.describe());
        CHECK(moved.status == 200);
        HttpReply form = anonymous.post("/move", {}, R"({"dx": 1, "dy": 0})", "text/plain");
        CHECK(form.status == 415);
    }
    httplib::Result paused = raw_post(leader_address, "/mission", admin, R"({"action": "pause"})");
    INFO(describe(paused));
    CHECK((paused && paused->status == 200));
    httplib::Result started =
        raw_post(leader_address, "/mission", member, R"({"action": "start"})");
    INFO(describe(started));
    CHECK((started && started->status == 200));
    httplib::Result handed = raw_post(leader_address, "/transfer-leader", admin, "{}");
    INFO(describe(handed));
    REQUIRE((handed && handed->status == 200));

    // --- The proxy's routes --------------------------------------------------
    ProxyProcess proxy(cluster, {"--poll-interval", "100ms"});
    proxy.start();
    proxy.wait_until_serving();
    const std::vector<ChangeRoute> proxy_changes = {
        {"/mission", {{"action", "pause"}}},
        {"/members/add", {{"id", 9}, {"address", "127.0.0.1:9"}}},
        {"/members/remove", {{"id", 9}, {"force", true}}},
        {"/transfer-leader", json::object()},
        {"/chaos", {{"target", "leader"}, {"kind", "isolate"}, {"for_ms", 1000}}},
        {"/chaos/heal", json::object()},
        {"/lesson",
         {{"lesson", "auth"},
          {"title", "t"},
          {"step", 1},
          {"steps", 1},
          {"heading", "h"},
          {"state", "running"}}},
        {"/lesson/clear", json::object()},
    };
    check_refusals(proxy.address(), proxy_changes,
                   {{{"Authorization", k_wrong_admin}},
                    {{"Authorization", "Bearer " + token}},
                    {{"X-Raftescort-Token", token}, {"Authorization", "Bearer x"}}},
                   true);
    NodeClient anonymous_proxy("127.0.0.1", proxy.port(), false);
    for (const char* path : {"/status", "/nodes", "/nodes/full", "/nodes/position", "/elections",
                             "/leaders", "/logs", "/mission", "/metrics", "/chaos", "/lesson"}) {
        INFO("proxy GET " << path);
        CHECK(anonymous_proxy.get(path, Milliseconds(3000)).status == 200);
    }
    CHECK(anonymous_proxy.get("/nodes/move?x=0&y=1", Milliseconds(8000)).status == 200);
    CHECK(anonymous_proxy.post("/nodes/move", {{"x", 0}, {"y", -1}}).status == 200);
    CHECK(anonymous_proxy.post("/nodes/move", {}, R"({"x": 0, "y": 1})", "text/plain").status
          == 415);
    NodeClient operator_proxy("127.0.0.1", proxy.port());
    HttpReply proxy_paused = operator_proxy.post("/mission", {{"action", "pause"}});
    INFO(proxy_paused.describe());
    CHECK(proxy_paused.status == 200);
    HttpReply proxy_started = operator_proxy.post("/mission", {{"action", "start"}});
    CHECK(proxy_started.status == 200);
    HttpReply proxy_handed = operator_proxy.post("/transfer-leader", json::object());
    INFO(proxy_handed.describe());
    CHECK(proxy_handed.status == 200);

    // --- A member added without the admin token ------------------------------
    // Id 9 at 127.0.0.19: node_host(9), an address no node of the test uses.
    SilentListener trap(node_host(9));
    const std::string add = json{{"id", 9}, {"address", trap.address()}}.dump();
    httplib::Result anonymous_add = raw_post(proxy.address(), "/members/add", {}, add);
    CHECK((anonymous_add && anonymous_add->status == 401));
    httplib::Result wrong_add =
        raw_post(proxy.address(), "/members/add", {{"Authorization", k_wrong_admin}}, add);
    CHECK((wrong_add && wrong_add->status == 401));
    // Straight to a node, with the admin token's look-alikes: refused too.
    httplib::Result direct_add = raw_post(cluster.address_of(cluster.wait_for_leader().id),
                                          "/members/add", {{"Authorization", k_wrong_admin}}, add);
    CHECK((direct_add && direct_add->status == 401));
    CHECK_FALSE(trap.connected_within(Milliseconds(3000)));
    CHECK(cluster.wait_for_leader().learners.empty());

    HttpReply added = operator_proxy.post("/members/add", {{"id", 9}, {"address", trap.address()}});
    INFO(added.describe());
    REQUIRE(added.status == 200);
    // The check above can see a connection: the leader reaches a learner
    // within a heartbeat or two of adding it.
    CHECK(trap.connected_within(Milliseconds(5000)));
    HttpReply removed = operator_proxy.post("/members/remove", {{"id", 9}});
    INFO(removed.describe());
    CHECK(removed.status == 200);
    cluster.wait_for_members({1, 2, 3}, {}, Milliseconds(10000));
    proxy.stop();
}

TEST_CASE("auth_proxy_generates_an_admin_token", "[integration][auth]")
{
    // Goal: a proxy started with no admin token makes one, prints it once in
    // its log with the dashboard URL that carries it, and that token (and no
    // other) admits a change.
    // Method: one node (it founds the cluster), a proxy without
    // --admin-token-file; read the token from the log line with "#token=".
    ClusterOptions options;
    options.name = "authgen";
    LocalCluster cluster(options);
    cluster.bootstrap(1);
    const std::uint16_t port = find_free_port_on("127.0.0.1");
    const std::string log = cluster.temp_path() + "/generating-proxy.log";
    ChildProcess process;
    process.start({RAFTESCORT_BINARY, "proxy", "--listen", "127.0.0.1:" + std::to_string(port),
                   "--redis", cluster.redis().url(), "--cluster", options.name},
                  log, log);
    const std::regex announced("http://127\\.0\\.0\\.1:" + std::to_string(port)
                               + "/#token=([0-9a-f]{64})");
    std::smatch match;
    std::string text;
    bool found = poll_until(Milliseconds(10000), [&] {
        text = file_from(log, 0);
        return std::regex_search(text, match, announced);
    });
    INFO("proxy log:\n" << text);
    REQUIRE(found);
    const std::string token = match[1];
    std::size_t mentions = 0;
    for (std::size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + 1)) {
        ++mentions;
    }
    CHECK(mentions <= 2); // one line: the Bearer header and the URL

    const std::string address = "127.0.0.1:" + std::to_string(port);
    int status = 0;
    std::string answer;
    poll_until(Milliseconds(10000), [&] {
        httplib::Result ready = raw_post(
            address, "/mission", {{"Authorization", "Bearer " + token}}, R"({"action": "pause"})");
        status = ready ? ready->status : 0;
        answer = describe(ready);
        return status != 0 && status != 503;
    });
    INFO(answer);
    CHECK(status == 200);
    const std::string test_token = std::string("Bearer ") + k_test_admin_token;
    httplib::Result other =
        raw_post(address, "/mission", {{"Authorization", test_token}}, R"({"action": "start"})");
    CHECK((other && other->status == 401));
    ExitStatus stopped = process.terminate(Milliseconds(5000));
    CHECK(stopped.clean());
}
