#include "proxy_command.hpp"

#include "exit_error.hpp"
#include "validators.hpp"

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
    proxy->add_option("--redis", options->redis_url, "Redis registry URL")
        ->check(url_validator("redis"))
        ->envname("REDIS_URL")
        ->type_name("URL")
        ->default_str(options->redis_url);

    proxy->callback([options] { run_proxy(*options); });
}

void run_proxy(const ProxyOptions& /*options*/) { throw_role_unavailable("proxy", "issue #5"); }

} // namespace raftescort::cmd
