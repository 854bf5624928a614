#include "replay_command.hpp"

#include "exit_error.hpp"
#include "role_setup.hpp"
#include "secret_options.hpp"
#include "validators.hpp"

#include <raftescort/proxy/replay.hpp>

#include <memory>

namespace raftescort::cmd {

namespace {

struct ReplayOptions {
    std::string file;
    std::string listen = "127.0.0.1:8889";
    double speed = 1.0;
    std::string log_level = "info";
};

void run_replay(const ReplayOptions& options, const std::string& admin_token)
{
    proxy::ReplaySettings settings;
    settings.file = options.file;
    ListenAddress listen = split_listen_address(options.listen);
    settings.listen_host = listen.host;
    settings.listen_port = listen.port;
    settings.speed = options.speed;
    settings.admin_token = admin_token;
    set_up_logging("replay", options.log_level);
    const util::Status status = proxy::run_replay(settings);
    if (!status.ok()) {
        throw ExitError(k_exit_failure, "replay", status.error().message);
    }
}

} // namespace

void setup_replay_command(CLI::App& app)
{
    auto options = std::make_shared<ReplayOptions>();
    CLI::App* replay = app.add_subcommand(
        "replay", "Serve the dashboard and the proxy's read routes from a recording "
                  "(proxy --record), with play, pause, step, seek and speed");
    replay->add_option("FILE", options->file, "The recording (JSON Lines, as proxy --record wrote)")
        ->required()
        ->check(CLI::ExistingFile)
        ->type_name("FILE");
    replay
        ->add_option("--listen", options->listen,
                     "Address to serve on; a bare PORT means 0.0.0.0:PORT")
        ->transform(listen_address_validator())
        ->type_name("HOST:PORT")
        ->default_str(options->listen);
    replay
        ->add_option("--speed", options->speed,
                     "Recorded time per second of play: 2 plays twice as fast (0.05 to 100)")
        ->check(CLI::Range(0.05, 100.0))
        ->type_name("X")
        ->default_str("1");
    auto admin_token = std::make_shared<SecretFlags>();
    add_secret_flags(*replay, admin_token_names(), admin_token,
                     "Token required as 'Authorization: Bearer TOKEN' on POST /replay (the "
                     "controls); default: generated at start and logged once");
    replay->add_option("--log-level", options->log_level, "Log verbosity")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->type_name("LEVEL")
        ->default_str(options->log_level);
    replay->callback([options, admin_token] {
        run_replay(*options, resolve_secret(admin_token_names(), *admin_token));
    });
}

} // namespace raftescort::cmd
