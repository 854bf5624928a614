#pragma once

// Reading and writing a server connection's socket without blocking, in
// plain TCP or through TLS, with one answer for the caller: what moved, or
// what the connection waits for. TLS can want to write while the server
// reads (and the reverse), so "wait for readable" and "wait for writable"
// are outcomes of both calls.

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

namespace raftescort::transport::http {

enum class IoState {
    /// `bytes` moved (more than zero).
    done,
    /// Nothing moved; wait until the socket is readable.
    want_read,
    /// Nothing moved; wait until the socket is writable.
    want_write,
    /// The peer closed, or the connection broke (TLS: or it sent garbage).
    closed,
};

struct IoOutcome {
    IoState state = IoState::closed;
    std::size_t bytes = 0;
};

/// `ssl` null: plain TCP on `fd`.
IoOutcome read_socket(int fd, SSL* ssl, char* buffer, std::size_t size);
IoOutcome write_socket(int fd, SSL* ssl, const char* data, std::size_t size);

/// TLS: decrypted bytes already in the library's buffer, which a readiness
/// event on the socket would never announce.
bool has_buffered_input(SSL* ssl);

/// One step of a server-side handshake: done, want_read, want_write or
/// closed (it failed; `error` says why).
IoState accept_handshake(SSL* ssl, std::string& error);

/// The last OpenSSL error of this thread as text, for logs and messages.
std::string last_tls_error();

} // namespace raftescort::transport::http
