#include "ctl/client.hpp"

#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/host_port.hpp>

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <thread>
#include <utility>

namespace raftescort::ctl {

namespace {

using nlohmann::json;
using util::ErrorCode;

// A proxy message longer than this is cut: the error is one terminal line.
constexpr std::size_t k_reason_chars_max = 400;

constexpr int k_http_service_unavailable = 503;

constexpr const char* k_expected_url = "; give http://HOST[:PORT][/PREFIX]";

constexpr std::uint16_t k_http_port = 80;
constexpr std::uint16_t k_https_port = 443;

util::Error option_error(const std::string& option, const std::string& message)
{
    // The command line reports it as a usage error of that option.
    return util::make_error(ErrorCode::invalid_argument, option + ": " + message);
}

// Returns an empty string if `authority` is HOST or HOST:PORT, else why not.
// Every bad port gets the one message scripts already look for.
std::string check_authority(std::string_view authority, std::uint16_t default_port)
{
    using util::HostPortProblem;
    const util::HostPortReading reading = util::read_host_port(authority, default_port);
    switch (reading.problem) {
    case HostPortProblem::none: return "";
    case HostPortProblem::port_empty:
    case HostPortProblem::port_not_number:
    case HostPortProblem::port_out_of_range:
        return "'" + reading.part + "' is not a port number (1-65535)";
    default: return util::describe_host_port_problem(reading);
    }
}

// Proxy messages come from the network: make them one printable line.
std::string one_line(const std::string& text)
{
    std::string line;
    line.reserve(std::min(text.size(), k_reason_chars_max));
    for (const char c : text) {
        if (line.size() == k_reason_chars_max) {
            line += "...";
            break;
        }
        const bool control = static_cast<unsigned char>(c) < ' ' || c == 0x7F;
        line += control ? ' ' : c;
    }
    while (!line.empty() && line.back() == ' ') {
        line.pop_back();
    }
    return line;
}

std::string describe_transport_error(httplib::Error error)
{
    switch (error) {
    case httplib::Error::Connection: return "connection refused or host unreachable";
    case httplib::Error::ConnectionTimeout: return "no connection within 1s";
    case httplib::Error::Read: return "the connection broke or no answer came in time";
    case httplib::Error::Write: return "could not send the request";
    case httplib::Error::SSLConnection: return "the TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "the TLS certificate was not trusted";
    default: return httplib::to_string(error);
    }
}

ErrorCode code_of_http_status(int status)
{
    if (status == k_http_service_unavailable) {
        return ErrorCode::unavailable;
    }
    if (status >= 400 && status < 500) {
        return ErrorCode::rejected;
    }
    return ErrorCode::io_error;
}

util::Result<json> decode_answer(const httplib::Result& result, const std::string& proxy_url)
{
    if (!result) {
        return util::make_error(ErrorCode::unavailable,
                                "cannot reach the proxy at " + proxy_url + ": "
                                    + describe_transport_error(result.error()));
    }
    const int status = result->status;
    // A body that is not JSON (or is past the answer limits) is no envelope.
    util::Result<json> parsed = transport::parse_answer_json(result->body);
    json envelope = parsed.ok() ? std::move(parsed.value()) : json();
    const bool is_envelope = envelope.is_object() && envelope.contains("data");
    if (status >= 200 && status < 300) {
        if (!is_envelope) {
            return util::make_error(ErrorCode::io_error,
                                    "the answer of " + proxy_url
                                        + " is not a raftescort proxy envelope (is it the proxy?)");
        }
        return std::move(envelope["data"]);
    }
    std::string message;
    if (envelope.is_object() && envelope.contains("message") && envelope["message"].is_string()) {
        message = one_line(envelope["message"].get<std::string>());
    }
    if (message.empty()) {
        message = "the proxy gave no reason";
    }
    return util::make_error(code_of_http_status(status),
                            message + " (HTTP " + std::to_string(status) + ")");
}

} // namespace

ProxyClientOptions client_options(const CtlSettings& settings)
{
    return ProxyClientOptions{settings.proxy_url, settings.admin_token, settings.tls_ca_file,
                              settings.version};
}

util::Result<ProxyUrl> split_proxy_url(const std::string& url)
{
    const std::size_t separator = url.find("://");
    const std::string scheme = url.substr(0, separator);
    // The command line's validator lets only these through; a library
    // caller gets the same refusal.
    if (separator == std::string::npos || (scheme != "http" && scheme != "https")) {
        return option_error("--proxy",
                            "'" + url + "' is not an http or https URL" + k_expected_url);
    }
    if (url.find_first_of("?#") != std::string::npos) {
        return option_error("--proxy", "'" + url + "' has a query or fragment" + k_expected_url);
    }
    const std::size_t path = url.find('/', separator + 3);
    // Without a port httplib uses the scheme's; the check only needs one.
    const std::uint16_t default_port = scheme == "https" ? k_https_port : k_http_port;
    const std::string why = check_authority(
        std::string_view(url).substr(separator + 3, path - separator - 3), default_port);
    if (!why.empty()) {
        return option_error("--proxy", "'" + url + "': " + why + k_expected_url);
    }
    ProxyUrl split;
    split.scheme_host_port = url.substr(0, path);
    if (path != std::string::npos) {
        split.path_prefix = url.substr(path);
        while (!split.path_prefix.empty() && split.path_prefix.back() == '/') {
            split.path_prefix.pop_back();
        }
    }
    RE_ASSERT(!split.scheme_host_port.empty());
    return split;
}

util::Result<std::unique_ptr<ProxyClient>> ProxyClient::open(const ProxyClientOptions& options)
{
    RE_TRY(split, split_proxy_url(options.proxy_url));
    auto http = std::make_unique<httplib::Client>(split.scheme_host_port);
    if (!http->is_valid()) {
        return option_error("--proxy", "'" + options.proxy_url + "' is not http[s]://HOST[:PORT]");
    }
    if (!options.tls_ca_file.empty() && http->ssl_context() != nullptr) {
        // The cluster's own CA: its signature is what is trusted, as between
        // the members (the proxy's certificate need not name the host).
        http->enable_server_certificate_verification(false);
        if (SSL_CTX_load_verify_locations(http->ssl_context(), options.tls_ca_file.c_str(), nullptr)
            != 1) {
            return option_error("--tls-ca", "'" + options.tls_ca_file
                                                + "' cannot be read as a PEM certificate");
        }
        SSL_CTX_set_verify(http->ssl_context(), SSL_VERIFY_PEER, nullptr);
    }
    http->set_connection_timeout(k_connect_timeout);
    http->set_read_timeout(k_read_timeout);
    http->set_write_timeout(k_read_timeout);
    http->set_tcp_nodelay(true);
    http->set_keep_alive(true);
    httplib::Headers headers{{"Accept", "application/json"},
                             {"User-Agent", "raftescort-ctl/" + options.version}};
    if (!options.admin_token.empty()) {
        headers.emplace("Authorization", "Bearer " + options.admin_token);
    }
    http->set_default_headers(std::move(headers));
    return std::unique_ptr<ProxyClient>(
        new ProxyClient(options.proxy_url, std::move(split.path_prefix), std::move(http)));
}

ProxyClient::ProxyClient(std::string proxy_url, std::string path_prefix,
                         std::unique_ptr<httplib::Client> http)
    : m_proxy_url(std::move(proxy_url)), m_path_prefix(std::move(path_prefix)),
      m_http(std::move(http))
{
    RE_ASSERT(m_http != nullptr);
}

ProxyClient::~ProxyClient() = default;

util::Result<json> ProxyClient::get(const std::string& target)
{
    RE_ASSERT(!target.empty() && target.front() == '/');
    const httplib::Result result = m_http->Get(m_path_prefix + target);
    m_last_http_status = result ? result->status : 0;
    return decode_answer(result, m_proxy_url);
}

namespace {

/// An event stream line's value after its "name:", without the one space
/// that may follow the colon.
std::string event_field_value(std::string_view line, std::size_t colon_end)
{
    std::string_view value = line.substr(colon_end);
    if (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    return std::string(value);
}

} // namespace

util::Status ProxyClient::stream(const std::string& target, const EventHandler& on_event)
{
    RE_ASSERT(!target.empty() && target.front() == '/');
    // An event is "event: NAME" and "data: TEXT" lines ended by a blank line
    // (the proxy sends one data line per event). Bounded: a line longer
    // than this is not the proxy's and ends the stream.
    constexpr std::size_t k_line_bytes_max = 1 << 20;
    std::string pending;
    std::string name;
    std::string data;
    bool stopped = false;
    bool overlong = false;
    auto receive = [&](const char* bytes, std::size_t length) {
        pending.append(bytes, length);
        std::size_t start = 0;
        for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos;
             start = end + 1) {
            std::string_view line(pending.data() + start, end - start);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            if (line.empty()) {
                if (!data.empty() && !on_event(name, data)) {
                    stopped = true;
                    return false;
                }
                name.clear();
                data.clear();
            } else if (line.rfind("event:", 0) == 0) {
                name = event_field_value(line, 6);
            } else if (line.rfind("data:", 0) == 0) {
                data += event_field_value(line, 5);
            }
        }
        pending.erase(0, start);
        overlong = pending.size() > k_line_bytes_max;
        return !overlong;
    };
    httplib::Headers headers{{"Accept", "text/event-stream"}};
    const httplib::Result result = m_http->Get(m_path_prefix + target, headers, receive);
    m_last_http_status = result ? result->status : 0;
    if (stopped) {
        return util::Ok{};
    }
    if (overlong) {
        return util::make_error(ErrorCode::io_error,
                                "the event stream of " + m_proxy_url + " sent an overlong line");
    }
    if (result && result->status != 200) {
        return util::make_error(ErrorCode::unavailable, "the proxy at " + m_proxy_url
                                                            + " answered GET " + target
                                                            + " with HTTP "
                                                            + std::to_string(result->status));
    }
    return util::make_error(ErrorCode::unavailable,
                            "the event stream of " + m_proxy_url + " ended"
                                + (result ? "" : " (" + httplib::to_string(result.error()) + ")"));
}

util::Result<json> ProxyClient::post(const std::string& path, const json& body)
{
    RE_ASSERT(!path.empty() && path.front() == '/');
    const httplib::Result result =
        m_http->Post(m_path_prefix + path, body.dump(), "application/json");
    m_last_http_status = result ? result->status : 0;
    return decode_answer(result, m_proxy_url);
}

util::Result<json> ProxyClient::post_with_retry(const std::string& path, const json& body,
                                                const RetryPolicy& policy)
{
    RE_ASSERT(policy.attempts_max >= 1);
    RE_ASSERT(policy.pause_first.count() > 0);
    const auto start = std::chrono::steady_clock::now();
    std::chrono::milliseconds pause = policy.pause_first;
    for (int attempt = 1;; ++attempt) {
        util::Result<json> answer = post(path, body);
        // Only "unavailable" may not have happened; a refusal or any other
        // failure would be the same on every attempt.
        if (answer.ok() || answer.error().code != ErrorCode::unavailable
            || attempt == policy.attempts_max) {
            return answer;
        }
        if (std::chrono::steady_clock::now() + pause - start > policy.deadline) {
            return answer;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, policy.pause_max);
    }
}

void ProxyClient::set_read_timeout(std::chrono::milliseconds timeout)
{
    RE_ASSERT(timeout.count() > 0);
    m_http->set_read_timeout(timeout);
}

std::string encode_query_value(const std::string& text)
{
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string encoded;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z')
                                || (byte >= '0' && byte <= '9') || byte == '-' || byte == '.'
                                || byte == '_' || byte == '~' || byte == ':';
        if (unreserved) {
            encoded += c;
        } else {
            encoded += '%';
            encoded += k_hex[byte >> 4];
            encoded += k_hex[byte & 0x0F];
        }
    }
    return encoded;
}

} // namespace raftescort::ctl
