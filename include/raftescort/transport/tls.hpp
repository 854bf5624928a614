#pragma once

// TLS for raftescort's HTTP: the files an operator gives (--tls-cert,
// --tls-key, --tls-ca), the server side (HttpServer::enable_tls) and the
// client side of node-to-node and proxy-to-node calls.
//
// Identity is the cluster's CA: a member or the proxy is whoever presents a
// certificate that CA signed. Host names are not checked, because members
// move between addresses (a container's IP changes on restart, and a node is
// reached under names the certificate cannot know in advance); the CA, kept
// by the operator, is what is trusted.

#include <raftescort/util/result.hpp>

#include <httplib.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace raftescort::transport {

struct TlsFiles {
    /// PEM: this program's certificate (chain) and its private key.
    std::string cert_file;
    std::string key_file;
    /// PEM: the CA whose signature a peer's certificate must carry.
    std::string ca_file;

    bool enabled() const { return !cert_file.empty(); }
};

/// Every file named, readable, and the key matches the certificate; the
/// error names the file and what is wrong with it.
util::Status check_tls_files(const TlsFiles& files);

struct SslContextDeleter {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslContext = std::unique_ptr<SSL_CTX, SslContextDeleter>;

/// A server context: TLS 1.2 or later, this certificate; with
/// `require_client_certificate`, a client without one the CA signed is
/// refused in the handshake (mutual TLS).
util::Result<SslContext> make_server_tls(const TlsFiles& files, bool require_client_certificate);

/// A client to host:port: plain HTTP when `files` is not enabled, else
/// HTTPS presenting this certificate and accepting only a server whose
/// certificate the CA signed. Never null; a client whose files failed to
/// load fails every request (is_valid() is false).
std::unique_ptr<httplib::Client> make_http_client(const std::string& host, int port,
                                                  const TlsFiles& files);

} // namespace raftescort::transport
