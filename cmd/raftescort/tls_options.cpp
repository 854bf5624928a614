// The TLS flags of node and proxy (tls_options.hpp).

#include "tls_options.hpp"

#include <utility>
#include <vector>

namespace raftescort::cmd {

void add_tls_flags(CLI::App& command, const std::shared_ptr<transport::TlsFiles>& files,
                   const std::string& what)
{
    command
        .add_option("--tls-cert", files->cert_file,
                    what + ": this program's certificate, PEM (scripts/make-certs makes them)")
        ->envname("RAFTESCORT_TLS_CERT")
        ->type_name("FILE");
    command.add_option("--tls-key", files->key_file, "The private key of --tls-cert, PEM")
        ->envname("RAFTESCORT_TLS_KEY")
        ->type_name("FILE");
    command
        .add_option("--tls-ca", files->ca_file,
                    "The cluster's CA, PEM: only certificates it signed are trusted")
        ->envname("RAFTESCORT_TLS_CA")
        ->type_name("FILE");
}

void validate_tls_flags(const transport::TlsFiles& files)
{
    std::vector<std::pair<const char*, const std::string*>> flags{{"--tls-cert", &files.cert_file},
                                                                  {"--tls-key", &files.key_file},
                                                                  {"--tls-ca", &files.ca_file}};
    std::string given;
    std::string missing;
    for (const auto& [flag, value] : flags) {
        std::string& list = value->empty() ? missing : given;
        list += (list.empty() ? "" : ", ") + std::string(flag);
    }
    if (!given.empty() && !missing.empty()) {
        throw CLI::ValidationError("TLS needs --tls-cert, --tls-key and --tls-ca together: " + given
                                   + " given, " + missing + " missing");
    }
    // Refused before the process touches its data dir or the network.
    if (files.enabled()) {
        util::Status usable = transport::check_tls_files(files);
        if (!usable.ok()) {
            throw CLI::ValidationError(usable.error().message);
        }
    }
}

} // namespace raftescort::cmd
