#pragma once

// The HTTP side of `raftescort ctl`: one keep-alive connection to the proxy,
// the proxy's response envelope, and the mapping of every failure to ctl's
// exit statuses. Commands get the envelope's data or an Error, never an
// httplib or nlohmann exception.

#include <raftescort/util/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace httplib {
class Client;
} // namespace httplib

namespace raftescort::cmd {

/// ctl's exit status when the proxy refused the request (any 4xx): bad
/// input, unknown term or node, a quorum-losing removal without --force, a
/// missing or wrong admin token (401).
/// Statuses 0, 1 and 2 are those of exit_error.hpp.
inline constexpr int k_ctl_exit_refused = 3;

/// How long ctl waits for a TCP connection to the proxy.
inline constexpr std::chrono::milliseconds k_ctl_connect_timeout{1000};
/// How long ctl waits for an answer: longer than the proxy's own request
/// timeout (5 s by default), so a move that could not commit comes back as
/// the proxy's 503 with its reason, not as a local timeout.
inline constexpr std::chrono::milliseconds k_ctl_read_timeout{15000};

/// Retries of a request that is safe to repeat (a move with a client id):
/// connection failures and 503 are retried with the same body, with a
/// doubling pause, until the next attempt would start after the deadline.
struct CtlRetryPolicy {
    std::chrono::milliseconds deadline{10000};
    std::chrono::milliseconds pause_first{250};
    std::chrono::milliseconds pause_max{2000};
    int attempts_max = 5;
};

/// One proxy, one keep-alive connection, for the life of a ctl command.
///
/// Failures come back as util::Error, whose code ctl_exit_status() maps:
///   - unavailable: the proxy could not be reached, or answered 503 (no
///     leader, no quorum, timeout); a retry may succeed;
///   - io_error: any other 5xx, or an answer that is not an envelope;
///   - rejected: a 4xx; the message is the proxy's.
class CtlClient {
public:
    /// `proxy_url` is http[s]://HOST[:PORT][/PREFIX] (CLI11 checked the
    /// scheme); `command` is what failures are reported under ("ctl status");
    /// a non-empty `admin_token` goes with every request as
    /// "Authorization: Bearer".
    CtlClient(const std::string& proxy_url, std::string command,
              const std::string& admin_token = "", const std::string& tls_ca_file = "");
    ~CtlClient();
    CtlClient(const CtlClient&) = delete;
    CtlClient& operator=(const CtlClient&) = delete;

    /// GET `target` (path and query, already encoded); the envelope's data.
    util::Result<nlohmann::json> get(const std::string& target);
    /// POST `body` as JSON to `path`, once; the envelope's data.
    util::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body);
    /// POST that repeats the same body on connection failure or 503 under
    /// `policy`. Only for requests the proxy applies at most once (a client
    /// id and sequence in the body).
    util::Result<nlohmann::json> post_with_retry(const std::string& path,
                                                 const nlohmann::json& body,
                                                 const CtlRetryPolicy& policy);
    /// Shortens the read timeout (watch redraws every 250 ms and must not
    /// freeze for 15 s on a stuck proxy).
    void set_read_timeout(std::chrono::milliseconds timeout);

    /// The HTTP status of the last answer; 0 if none came (connection failed).
    int last_http_status() const { return m_last_http_status; }
    /// The URL as given, for messages.
    const std::string& proxy_url() const { return m_proxy_url; }
    /// "ctl status": the words main() prints before an error.
    const std::string& command() const { return m_command; }

private:
    std::string m_proxy_url;
    std::string m_command;
    /// The URL's path, without a trailing slash, put before every request path.
    std::string m_path_prefix;
    std::unique_ptr<httplib::Client> m_http;
    int m_last_http_status = 0;
};

/// The exit status of a failed request: 3 for rejected, 1 otherwise.
int ctl_exit_status(const util::Error& error);

/// Ends the command: throws the ExitError of `error` for `client.command()`.
[[noreturn]] void throw_ctl_error(const CtlClient& client, const util::Error& error);

/// The answer's data, or the ExitError of its failure (main prints it).
nlohmann::json data_or_exit(const CtlClient& client, util::Result<nlohmann::json> answer);

/// Percent-encodes `text` for a query string value.
std::string encode_query_value(const std::string& text);

} // namespace raftescort::cmd
