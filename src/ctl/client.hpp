#pragma once

// The HTTP side of `raftescort ctl`: one keep-alive connection to the proxy,
// the proxy's response envelope, and the mapping of every failure to an
// Error whose code run_ctl() reports. Commands get the envelope's data or an
// Error, never an httplib or nlohmann exception.

#include <raftescort/ctl/ctl.hpp>
#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace httplib {
class Client;
} // namespace httplib

namespace raftescort::ctl {

/// How long ctl waits for a TCP connection to the proxy.
inline constexpr std::chrono::milliseconds k_connect_timeout{1000};
/// How long ctl waits for an answer: longer than the proxy's own request
/// timeout (5 s by default), so a move that could not commit comes back as
/// the proxy's 503 with its reason, not as a local timeout.
inline constexpr std::chrono::milliseconds k_read_timeout{15000};

/// Retries of a request that is safe to repeat (a move with a client id):
/// connection failures and 503 are retried with the same body, with a
/// doubling pause, until the next attempt would start after the deadline.
struct RetryPolicy {
    std::chrono::milliseconds deadline{10000};
    std::chrono::milliseconds pause_first{250};
    std::chrono::milliseconds pause_max{2000};
    int attempts_max = 5;
};

/// What a ProxyClient connects with.
struct ProxyClientOptions {
    /// http[s]://HOST[:PORT][/PREFIX].
    std::string proxy_url;
    /// Sent as "Authorization: Bearer" with every request when not empty.
    std::string admin_token;
    /// With an https proxy_url: the only CA trusted; empty means the system's.
    std::string tls_ca_file;
    /// Sent as the User-Agent "raftescort-ctl/<version>".
    std::string version;
};

/// What ctl connects to the proxy with, from its settings.
ProxyClientOptions client_options(const CtlSettings& settings);

/// `url` split into what httplib connects to and the path prefix.
struct ProxyUrl {
    /// "http://HOST:PORT", as given.
    std::string scheme_host_port;
    /// The URL's path without trailing slashes ("" or "/prefix"), put
    /// before every request path.
    std::string path_prefix;
};

/// Splits a --proxy URL; an invalid_argument error (starting "--proxy: ")
/// for another scheme, a missing host, a bad port, a query or a fragment.
util::Result<ProxyUrl> split_proxy_url(const std::string& url);

/// One proxy, one keep-alive connection, for the life of a ctl command.
///
/// Failures come back as util::Error:
///   - unavailable: the proxy could not be reached, or answered 503 (no
///     leader, no quorum, timeout); a retry may succeed;
///   - io_error: any other 5xx, or an answer that is not an envelope;
///   - rejected: a 4xx; the message is the proxy's.
class ProxyClient {
public:
    /// The client, or an invalid_argument error naming --proxy or --tls-ca.
    /// Connects lazily: an unreachable proxy shows in the first request.
    static util::Result<std::unique_ptr<ProxyClient>> open(const ProxyClientOptions& options);
    ~ProxyClient();
    ProxyClient(const ProxyClient&) = delete;
    ProxyClient& operator=(const ProxyClient&) = delete;

    /// GET `target` (path and query, already encoded); the envelope's data.
    util::Result<nlohmann::json> get(const std::string& target);
    /// POST `body` as JSON to `path`, once; the envelope's data.
    util::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body);
    /// POST that repeats the same body on connection failure or 503 under
    /// `policy`. Only for requests the proxy applies at most once (a client
    /// id and sequence in the body).
    util::Result<nlohmann::json>
    post_with_retry(const std::string& path, const nlohmann::json& body, const RetryPolicy& policy);
    /// Called with each server-sent event's name and data; false stops the stream.
    using EventHandler = std::function<bool(const std::string& name, const std::string& data)>;
    /// GET `target` as a server-sent event stream (the proxy's /events),
    /// handing each event to `on_event` until it returns false (Ok) or the
    /// stream ends or fails (unavailable).
    util::Status stream(const std::string& target, const EventHandler& on_event);
    /// Shortens the read timeout (watch redraws every 250 ms and must not
    /// freeze for 15 s on a stuck proxy).
    void set_read_timeout(std::chrono::milliseconds timeout);

    /// The HTTP status of the last answer; 0 if none came (connection failed).
    int last_http_status() const { return m_last_http_status; }
    /// The URL as given, for messages.
    const std::string& proxy_url() const { return m_proxy_url; }

private:
    ProxyClient(std::string proxy_url, std::string path_prefix,
                std::unique_ptr<httplib::Client> http);

    std::string m_proxy_url;
    /// The URL's path, without a trailing slash, put before every request path.
    std::string m_path_prefix;
    std::unique_ptr<httplib::Client> m_http;
    int m_last_http_status = 0;
};

/// Percent-encodes `text` for a query string value (':' stays, for HOST:PORT).
std::string encode_query_value(const std::string& text);

} // namespace raftescort::ctl
