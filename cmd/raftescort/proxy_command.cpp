#include "proxy_command.hpp"

#include "duration.hpp"
#include "exit_error.hpp"
#include "role_setup.hpp"
#include "secret_options.hpp"
#include "tls_options.hpp"
#include "validators.hpp"

#include <raftescort/proxy/proxy.hpp>

#include <memory>

namespace raftescort::cmd {

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
    proxy
        ->add_option("--redis", options->redis_url,
                     "Redis registry URL; REDIS_PASSWORD_FILE names a file whose first line "
                     "replaces its password")
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
    auto cluster_token = std::make_shared<SecretFlags>();
    add_secret_flags(*proxy, cluster_token_names(), cluster_token,
                     "The nodes' shared secret, sent on the change requests the proxy forwards; "
                     "default: learned from Redis");
    auto admin_token = std::make_shared<SecretFlags>();
    add_secret_flags(*proxy, admin_token_names(), admin_token,
                     "Operator's token, required as 'Authorization: Bearer TOKEN' on the routes "
                     "that change the cluster; default: generated at start and logged once");
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
    auto tls = std::make_shared<transport::TlsFiles>();
    add_tls_flags(*proxy, tls,
                  "HTTPS for clients, and mutual TLS to the nodes with this certificate");
    proxy
        ->add_option("--record", options->record_file,
                     "Record the event stream (status, records, Raft messages) and a cluster "
                     "snapshot every 5 s to FILE as JSON Lines; FILE "
                     "must not exist and its directory must (see RECORDING in "
                     "raftescort-proxy(1)); also `ctl record start`")
        ->type_name("FILE");
    proxy
        ->add_option("--record-max-bytes", options->record_bytes_max,
                     "Size cap of a recording: the line that would pass it is not written, and "
                     "recording stops with a log line")
        ->check(CLI::Range(std::uint64_t{4096}, std::uint64_t{1} << 40))
        ->type_name("BYTES")
        ->default_str(std::to_string(options->record_bytes_max));
    proxy->add_option("--log-level", options->log_level, "Log verbosity")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->envname("RAFTESCORT_LOG_LEVEL")
        ->type_name("LEVEL")
        ->default_str(options->log_level);

    proxy->callback([options, cluster_token, admin_token, tls] {
        validate_tls_flags(*tls);
        options->tls = *tls;
        options->cluster_token = resolve_secret(cluster_token_names(), *cluster_token);
        options->admin_token = resolve_secret(admin_token_names(), *admin_token);
        options->redis_password = secret_from_file_variable("REDIS_PASSWORD_FILE");
        run_proxy(*options);
    });
}

void run_proxy(const ProxyOptions& options)
{
    proxy::ProxySettings settings;
    ListenAddress listen = split_listen_address(options.listen);
    settings.listen_host = listen.host;
    settings.listen_port = listen.port;
    settings.redis_url = options.redis_url;
    settings.cluster_id = options.cluster_id;
    settings.cluster_token = options.cluster_token;
    settings.admin_token = options.admin_token;
    settings.redis_password = options.redis_password;
    settings.poll_interval_ms = options.poll_interval_ms;
    settings.request_timeout_ms = options.request_timeout_ms;
    settings.tls = options.tls;
    settings.record_file = options.record_file;
    settings.record_bytes_max = options.record_bytes_max;
    set_up_logging("proxy", options.log_level);
    util::Status status = proxy::run_proxy(settings);
    if (!status.ok()) {
        throw ExitError(k_exit_failure, "proxy", status.error().message);
    }
}

} // namespace raftescort::cmd
