#include "proxy_command.hpp"

#include "duration.hpp"
#include "exit_error.hpp"
#include "validators.hpp"

#include <raftescort/proxy/proxy.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/cluster_id.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace raftescort::cmd {

namespace {

// The same rules as `raftescort node`: the proxy must name the nodes' cluster
// and send their token, so it accepts exactly what they accept.
CLI::Validator cluster_name_validator()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (!util::is_valid_cluster_id(text) || text.find(':') != std::string::npos) {
                return "a cluster name is 1..128 printable characters without spaces or ':'";
            }
            return "";
        },
        "", "NAME");
}

CLI::Validator cluster_token_validator()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            // It travels in an HTTP header: printable ASCII only.
            for (char c : text) {
                if (c <= ' ' || c >= 0x7F) {
                    return "a cluster token is printable ASCII without spaces";
                }
            }
            return "";
        },
        "", "TOKEN");
}

void set_up_logging(const std::string& level)
{
    // Logs go to stderr, as the node's do.
    spdlog::set_default_logger(spdlog::stderr_color_mt("raftescort"));
    spdlog::set_level(spdlog::level::from_str(level));
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e proxy %l: %v");
}

} // namespace

void setup_proxy_command(CLI::App& app)
{
    auto options = std::make_shared<ProxyOptions>();
    CLI::App* proxy =
        app.add_subcommand("proxy", "Serve the external HTTP API and dashboard (port 8888)");

    proxy
        ->add_option("--listen", options->listen,
                     "Address to serve the HTTP API on; a bare PORT means 0.0.0.0:PORT")
        ->transform(listen_address_validator())
        ->envname("CONTAINER_PORT")
        ->type_name("HOST:PORT")
        ->default_str(options->listen);
    proxy->add_option("--redis", options->redis_url, "Redis registry URL")
        ->check(url_validator("redis"))
        ->envname("REDIS_URL")
        ->type_name("URL")
        ->default_str(options->redis_url);
    proxy
        ->add_option("--cluster", options->cluster_id,
                     "Cluster name: the nodes' --cluster, whose Redis keys the proxy reads")
        ->check(cluster_name_validator())
        ->envname("RAFTESCORT_CLUSTER")
        ->type_name("NAME")
        ->default_str(options->cluster_id);
    proxy
        ->add_option("--cluster-token", options->cluster_token,
                     "The nodes' shared secret, sent on the node-to-node calls the proxy forwards")
        ->check(cluster_token_validator())
        ->envname("RAFTESCORT_CLUSTER_TOKEN")
        ->type_name("TOKEN");
    proxy
        ->add_option("--request-timeout", options->request_timeout_ms,
                     "How long a move or mission may take (leader changes included) before 503")
        ->transform(duration_ms_validator(false))
        ->type_name("DUR")
        ->default_str(format_duration_ms(options->request_timeout_ms));
    proxy->add_option("--poll-interval", options->poll_interval_ms, "How often each node is polled")
        ->transform(duration_ms_validator(false))
        ->type_name("DUR")
        ->default_str(format_duration_ms(options->poll_interval_ms));
    proxy->add_option("--log-level", options->log_level, "Log verbosity")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->type_name("LEVEL")
        ->default_str(options->log_level);

    proxy->callback([options] { run_proxy(*options); });
}

void run_proxy(const ProxyOptions& options)
{
    proxy::ProxySettings settings;
    const std::size_t colon = options.listen.rfind(':');
    RE_ASSERT(colon != std::string::npos); // the validator made it HOST:PORT
    std::string host = options.listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    settings.listen_host = host;
    settings.listen_port = static_cast<std::uint16_t>(std::stoul(options.listen.substr(colon + 1)));
    settings.redis_url = options.redis_url;
    settings.cluster_id = options.cluster_id;
    settings.cluster_token = options.cluster_token;
    settings.poll_interval_ms = options.poll_interval_ms;
    settings.request_timeout_ms = options.request_timeout_ms;
    set_up_logging(options.log_level);
    util::Status status = proxy::run_proxy(settings);
    if (!status.ok()) {
        throw ExitError(k_exit_failure, "proxy", status.error().message);
    }
}

} // namespace raftescort::cmd
