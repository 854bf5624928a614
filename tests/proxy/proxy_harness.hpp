#pragma once

// An in-process proxy (ProxyServer) for the unit tests: on an ephemeral
// 127.0.0.1 port, with a Redis URL where nothing listens (so the records
// answer "Redis unreachable"), fast polls and a short request budget, plus a
// client that reads the envelope.

#include "proxy/fake_node.hpp"
#include "proxy/proxy_server.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

namespace raftescort::proxy::testing {

struct Reply {
    int status = 0;
    std::string body;
    std::string content_type;
    std::string www_authenticate;
    json json_body;
};

class ProxyHarness {
public:
    /// `settings_edit` may change the settings before the proxy starts.
    explicit ProxyHarness(std::int64_t request_timeout_ms = 1500,
                          const std::function<void(ProxySettings&)>& settings_edit = {})
    {
        m_settings.listen_host = "127.0.0.1";
        m_settings.listen_port = 0;
        m_settings.redis_url = "redis://" + refused_address();
        m_settings.cluster_id = "test";
        m_settings.admin_token = k_admin_token;
        m_settings.cluster_token = k_cluster_token;
        m_settings.poll_interval_ms = 20;
        m_settings.request_timeout_ms = request_timeout_ms;
        if (settings_edit) {
            settings_edit(m_settings);
        }
        auto started = ProxyServer::start(m_settings);
        INFO((started.ok() ? std::string() : started.error().message));
        REQUIRE(started.ok());
        m_proxy = std::move(started.value());
    }

    ProxyServer& proxy() { return *m_proxy; }
    int port() const { return m_proxy->port(); }

    /// A fresh client per call: tests call from several threads.
    Reply get(const std::string& path, const httplib::Headers& headers = {})
    {
        httplib::Client client("127.0.0.1", port());
        client.set_read_timeout(std::chrono::seconds(10));
        return reply_of(client.Get(path.c_str(), headers));
    }
    /// POSTs as an operator would: JSON, with the admin token.
    Reply post(const std::string& path, const std::string& body)
    {
        return post_with(path, body, {{"Authorization", std::string("Bearer ") + k_admin_token}});
    }
    /// POSTs with exactly these headers and Content-Type.
    Reply post_with(const std::string& path, const std::string& body,
                    const httplib::Headers& headers,
                    const std::string& content_type = "application/json")
    {
        httplib::Client client("127.0.0.1", port());
        client.set_read_timeout(std::chrono::seconds(10));
        return reply_of(client.Post(path.c_str(), headers, body, content_type.c_str()));
    }

    static constexpr const char* k_admin_token = "proxy-test-admin-token";
    static constexpr const char* k_cluster_token = "proxy-test-cluster-token";

    /// Polls until the proxy lists `count` reachable nodes and a leader.
    void wait_for_view(std::size_t reachable, std::uint64_t leader)
    {
        REQUIRE(eventually([&] {
            std::shared_ptr<const ClusterSnapshot> snapshot = m_proxy->view().snapshot();
            return snapshot->reachable_count() == reachable && snapshot->leader == leader;
        }));
    }

    /// The envelope's shape; returns its data.
    static json check_envelope(const Reply& reply, int status)
    {
        INFO("HTTP " << reply.status << " " << reply.body.substr(0, 400));
        REQUIRE(reply.status == status);
        REQUIRE(reply.json_body.is_object());
        CHECK(reply.json_body.size() == 3);
        CHECK(reply.json_body["status"] == (status == 200 ? "OK" : std::to_string(status)));
        CHECK(reply.json_body.contains("data"));
        CHECK(reply.json_body.contains("message"));
        if (status != 200) {
            CHECK(reply.json_body["data"].is_null());
            CHECK(reply.json_body["message"].is_string());
            CHECK_FALSE(reply.json_body["message"].get<std::string>().empty());
        }
        return reply.json_body["data"];
    }

private:
    static Reply reply_of(const httplib::Result& result)
    {
        Reply reply;
        if (!result) {
            return reply;
        }
        reply.status = result->status;
        reply.body = result->body;
        reply.content_type = result->get_header_value("Content-Type");
        reply.www_authenticate = result->get_header_value("WWW-Authenticate");
        reply.json_body = json::parse(reply.body, nullptr, false);
        if (reply.json_body.is_discarded()) {
            reply.json_body = nullptr;
        }
        return reply;
    }

    ProxySettings m_settings;
    std::unique_ptr<ProxyServer> m_proxy;
};

} // namespace raftescort::proxy::testing
