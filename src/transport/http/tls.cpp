// TLS contexts for servers and clients (include/raftescort/transport/tls.hpp).

#include <raftescort/transport/tls.hpp>

#include "transport/http/socket_io.hpp"

#include <raftescort/util/assert.hpp>

#include <openssl/err.h>

#include <fstream>

namespace raftescort::transport {

namespace {

util::Error tls_error(const std::string& what)
{
    return util::make_error(util::ErrorCode::invalid_argument,
                            what + ": " + http::last_tls_error());
}

util::Status readable(const std::string& flag, const std::string& path)
{
    if (path.empty()) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                flag + " is needed with --tls-cert");
    }
    if (!std::ifstream(path).good()) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                flag + " " + path + " cannot be read");
    }
    return util::Ok{};
}

/// Loads the certificate, key and CA into `context`.
util::Status load_files(SSL_CTX* context, const TlsFiles& files)
{
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(context, files.cert_file.c_str()) != 1) {
        return tls_error("--tls-cert " + files.cert_file + " is not a PEM certificate");
    }
    if (SSL_CTX_use_PrivateKey_file(context, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        return tls_error("--tls-key " + files.key_file
                         + " is not a PEM private key, or not the key of --tls-cert "
                         + files.cert_file);
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        return tls_error("--tls-key " + files.key_file + " does not match --tls-cert "
                         + files.cert_file);
    }
    if (SSL_CTX_load_verify_locations(context, files.ca_file.c_str(), nullptr) != 1) {
        return tls_error("--tls-ca " + files.ca_file + " is not a PEM certificate");
    }
    return util::Ok{};
}

} // namespace

util::Status check_tls_files(const TlsFiles& files)
{
    for (const auto& [flag, path] :
         {std::pair{"--tls-cert", &files.cert_file}, std::pair{"--tls-key", &files.key_file},
          std::pair{"--tls-ca", &files.ca_file}}) {
        RE_TRY(found, readable(flag, *path));
        (void)found;
    }
    RE_TRY(context, make_server_tls(files, true));
    (void)context;
    return util::Ok{};
}

util::Result<SslContext> make_server_tls(const TlsFiles& files, bool require_client_certificate)
{
    RE_ASSERT(files.enabled());
    SslContext context(SSL_CTX_new(TLS_server_method()));
    if (!context) {
        return tls_error("cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
    // Writes may end part way and be retried with the rest of the buffer,
    // which moves as the connection's output is trimmed.
    SSL_CTX_set_mode(context.get(),
                     SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    RE_TRY(loaded, load_files(context.get(), files));
    (void)loaded;
    if (require_client_certificate) {
        SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                           nullptr);
    }
    return context;
}

std::unique_ptr<httplib::Client> make_http_client(const std::string& host, int port,
                                                  const TlsFiles& files)
{
    if (!files.enabled()) {
        return std::make_unique<httplib::Client>(host, port);
    }
    // An IPv6 literal goes in brackets in the URL the library parses.
    const std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    auto client = std::make_unique<httplib::Client>(
        "https://" + url_host + ":" + std::to_string(port), files.cert_file, files.key_file);
    // The library's own check also wants the host name in the certificate;
    // the handshake checks the CA's signature instead (see tls.hpp).
    client->enable_server_certificate_verification(false);
    SSL_CTX* context = client->ssl_context();
    if (context != nullptr) {
        SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
        SSL_CTX_load_verify_locations(context, files.ca_file.c_str(), nullptr);
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    }
    return client;
}

} // namespace raftescort::transport
