#include "node_command.hpp"

#include "duration.hpp"
#include "exit_error.hpp"
#include "role_setup.hpp"
#include "secret_options.hpp"
#include "tls_options.hpp"
#include "validators.hpp"

#include <raftescort/node/node.hpp>
#include <raftescort/util/assert.hpp>
#include <raftescort/util/host_port.hpp>

#include <unistd.h>

#include <limits>
#include <map>
#include <memory>

namespace raftescort::cmd {

namespace {

// A follower must be able to miss two heartbeats in a row before it calls an
// election, or one late packet deposes a healthy leader.
constexpr std::int64_t k_election_timeout_heartbeats_min = 3;

/// The secrets and TLS files, read and checked once the command line is
/// complete.
struct NodeSecurity {
    std::shared_ptr<SecretFlags> cluster_token = std::make_shared<SecretFlags>();
    std::shared_ptr<SecretFlags> admin_token = std::make_shared<SecretFlags>();
    std::shared_ptr<transport::TlsFiles> tls = std::make_shared<transport::TlsFiles>();
};

/// Who the node is and where it is reached: --id, --cluster, --listen, --advertise.
void add_identity_options(CLI::App& node, NodeOptions& options)
{
    node.add_option("--id", options.id,
                    "Raft id of this node, a positive integer (default: the one in --data-dir, or "
                    "a fresh one from Redis)")
        ->check(positive_integer_validator("node id"))
        ->type_name("ID");
    node.add_option("--cluster", options.cluster_id,
                    "Cluster name: namespaces the Redis keys, checked on every peer message")
        ->check(cluster_name_validator())
        ->envname("RAFTESCORT_CLUSTER")
        ->type_name("NAME")
        ->default_str(options.cluster_id);
    node.add_option("--listen", options.listen,
                    "Address to serve peers and the proxy on; a bare PORT means 0.0.0.0:PORT")
        ->transform(listen_address_validator())
        ->envname("CONTAINER_PORT")
        ->type_name("HOST:PORT")
        ->default_str(options.listen);
    node.add_option("--advertise", options.advertise,
                    "Address peers and the proxy reach this node at (default: --listen)")
        ->check(host_port_validator())
        ->envname("RAFTESCORT_ADVERTISE")
        ->type_name("HOST:PORT");
}

/// Where the node keeps its records and its log: --redis, --data-dir.
void add_storage_options(CLI::App& node, NodeOptions& options)
{
    node.add_option("--redis", options.redis_url,
                    "Redis registry URL; REDIS_PASSWORD_FILE names a file whose first line "
                    "replaces its password")
        ->check(url_validator("redis"))
        ->envname("REDIS_URL")
        ->type_name("URL")
        ->default_str(options.redis_url);
    node.add_option("--data-dir", options.data_dir, "Directory for the log and snapshots")
        ->envname("RAFTESCORT_DATA_DIR")
        ->type_name("DIR")
        ->default_str(options.data_dir);
}

/// A duration option (DUR) whose default is `value` as it stands.
CLI::Option* add_duration_option(CLI::App& node, const std::string& name, std::int64_t& value,
                                 const std::string& description, const std::string& variable)
{
    return node.add_option(name, value, description)
        ->transform(duration_ms_validator(false))
        ->envname(variable)
        ->type_name("DUR")
        ->default_str(format_duration_ms(value));
}

/// Raft's clock and the convoy's pace: --heartbeat, --election-timeout,
/// --step-interval, --autopilot and --no-autopilot; --trace.
void add_timing_options(CLI::App& node, const std::shared_ptr<NodeOptions>& options)
{
    add_duration_option(node, "--heartbeat", options->heartbeat_interval_ms,
                        "Leader heartbeat interval", "HEARTBEAT_TIMEOUT");
    add_duration_option(node, "--election-timeout", options->election_timeout_ms,
                        "Election timeout, randomized from 1x to 2x; at least 3x --heartbeat",
                        "ELECTION_TIMEOUT");
    add_duration_option(node, "--step-interval", options->step_interval_ms,
                        "Time between convoy steps while the mission runs", "STEP_INTERVAL");
    CLI::Option* autopilot = node.add_flag_callback(
        "--autopilot", [options] { options->autopilot = true; },
        "Run the mission by itself once a leader exists (default)");
    node.add_flag_callback(
            "--no-autopilot", [options] { options->autopilot = false; },
            "Wait for 'raftescort ctl mission start'")
        ->excludes(autopilot);
    node.add_option("--trace", options->trace,
                    "Keep a sampled trace of the Raft messages this node sends, for "
                    "GET /raft/trace, the proxy's trace events and 'ctl trace'")
        ->transform(CLI::Validator(
            [](std::string& text) -> std::string {
                if (text != "on" && text != "off") {
                    return "'" + text + "' is not on or off";
                }
                text = text == "on" ? "1" : "0";
                return "";
            },
            ""))
        ->default_str("on")
        ->type_name("on|off");
}

/// The cluster token, the admin token and mutual TLS.
NodeSecurity add_security_options(CLI::App& node)
{
    NodeSecurity security;
    add_secret_flags(node, cluster_token_names(), security.cluster_token,
                     "Shared secret required on node-to-node calls; default: the one in "
                     "--data-dir, else Redis's, which the cluster's founder generates");
    add_secret_flags(node, admin_token_names(), security.admin_token,
                     "Operator's token, also accepted on the routes that change the cluster, "
                     "as the cluster token always is");
    add_tls_flags(node, security.tls,
                  "Mutual TLS with peers and the proxy (only certificates of --tls-ca get in)");
    return security;
}

} // namespace

void setup_node_command(CLI::App& app)
{
    auto options = std::make_shared<NodeOptions>();
    CLI::App* node = app.add_subcommand("node", "Run one member of the Raft cluster");
    add_identity_options(*node, *options);
    add_storage_options(*node, *options);
    add_timing_options(*node, options);
    NodeSecurity security = add_security_options(*node);
    node->add_option("--log-level", options->log_level, "Log verbosity")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->envname("RAFTESCORT_LOG_LEVEL")
        ->type_name("LEVEL")
        ->default_str(options->log_level);

    node->callback([options, security] {
        validate_node_options(*options);
        validate_tls_flags(*security.tls);
        options->tls = *security.tls;
        options->cluster_token = resolve_secret(cluster_token_names(), *security.cluster_token);
        options->admin_token = resolve_secret(admin_token_names(), *security.admin_token);
        options->redis_password = secret_from_file_variable("REDIS_PASSWORD_FILE");
        run_node(*options);
    });
}

void validate_node_options(const NodeOptions& options)
{
    // CLI11 already refused zero and negative durations, one option at a time.
    RE_ASSERT(options.heartbeat_interval_ms > 0);
    RE_ASSERT(options.election_timeout_ms > 0);

    // election < 3 * heartbeat, written so that it cannot overflow.
    if (options.election_timeout_ms / k_election_timeout_heartbeats_min
        < options.heartbeat_interval_ms) {
        const std::string heartbeat = format_duration_ms(options.heartbeat_interval_ms);
        const std::string election = format_duration_ms(options.election_timeout_ms);
        std::string minimum = "more than fits in 64 bits";
        if (options.heartbeat_interval_ms
            <= std::numeric_limits<std::int64_t>::max() / k_election_timeout_heartbeats_min) {
            minimum = format_duration_ms(options.heartbeat_interval_ms
                                         * k_election_timeout_heartbeats_min);
        }
        throw CLI::ValidationError(
            "--election-timeout",
            election + " is less than " + std::to_string(k_election_timeout_heartbeats_min)
                + " x --heartbeat " + heartbeat + " = " + minimum
                + ": a follower must be able to miss two heartbeats before it calls an election "
                  "(ELECTION_TIMEOUT and HEARTBEAT_TIMEOUT set these too)");
    }
}

namespace {

/// The address others reach this node at when --advertise is not given: the
/// listen address, or this host's name when it listens on every interface
/// (as in a container, where the name resolves on the compose network).
std::string default_advertise(const std::string& host, std::uint16_t port)
{
    // An IPv6 listen address is advertised in brackets ("[::1]:5000"), the
    // form every parser of addresses reads back.
    if (host != "0.0.0.0" && host != "::") {
        return util::format_host_port(util::HostPort{host, port});
    }
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
        return "127.0.0.1:" + std::to_string(port);
    }
    return std::string(name) + ":" + std::to_string(port);
}

} // namespace

void run_node(const NodeOptions& options)
{
    node::NodeSettings settings;
    settings.id = raft::NodeId{options.id};
    settings.cluster_id = options.cluster_id;
    ListenAddress listen = split_listen_address(options.listen);
    settings.listen_host = listen.host;
    settings.listen_port = listen.port;
    settings.advertise =
        options.advertise.empty() ? default_advertise(listen.host, listen.port) : options.advertise;
    settings.redis_url = options.redis_url;
    settings.data_dir = options.data_dir;
    settings.heartbeat_interval_ms = options.heartbeat_interval_ms;
    settings.election_timeout_ms = options.election_timeout_ms;
    settings.step_interval_ms = options.step_interval_ms;
    settings.autopilot = options.autopilot;
    settings.trace = options.trace;
    settings.cluster_token = options.cluster_token;
    settings.admin_token = options.admin_token;
    settings.redis_password = options.redis_password;
    settings.tls = options.tls;
    set_up_logging("node", options.log_level);
    util::Status status = node::run_node(settings);
    if (!status.ok()) {
        throw ExitError(k_exit_failure, "node", status.error().message);
    }
}

} // namespace raftescort::cmd
