// Non-blocking socket reads and writes, plain or TLS (socket_io.hpp).

#include "transport/http/socket_io.hpp"

#include <raftescort/util/assert.hpp>

#include <openssl/err.h>

#include <sys/socket.h>

#include <cerrno>
#include <climits>

namespace raftescort::transport::http {

namespace {

/// What SSL_read, SSL_write or SSL_do_handshake returning `result` means.
IoState tls_state(SSL* ssl, int result)
{
    switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ: return IoState::want_read;
    case SSL_ERROR_WANT_WRITE: return IoState::want_write;
    default: return IoState::closed;
    }
}

int clamp_size(std::size_t size) { return size > INT_MAX ? INT_MAX : static_cast<int>(size); }

} // namespace

IoOutcome read_socket(int fd, SSL* ssl, char* buffer, std::size_t size)
{
    RE_ASSERT(size > 0);
    if (ssl != nullptr) {
        ERR_clear_error();
        int got = SSL_read(ssl, buffer, clamp_size(size));
        if (got > 0) {
            return {IoState::done, static_cast<std::size_t>(got)};
        }
        return {tls_state(ssl, got), 0};
    }
    while (true) {
        ssize_t got = ::recv(fd, buffer, size, 0);
        if (got > 0) {
            return {IoState::done, static_cast<std::size_t>(got)};
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return {IoState::want_read, 0};
        }
        return {IoState::closed, 0};
    }
}

IoOutcome write_socket(int fd, SSL* ssl, const char* data, std::size_t size)
{
    RE_ASSERT(size > 0);
    if (ssl != nullptr) {
        ERR_clear_error();
        int sent = SSL_write(ssl, data, clamp_size(size));
        if (sent > 0) {
            return {IoState::done, static_cast<std::size_t>(sent)};
        }
        return {tls_state(ssl, sent), 0};
    }
    while (true) {
        ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent > 0) {
            return {IoState::done, static_cast<std::size_t>(sent)};
        }
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return {IoState::want_write, 0};
        }
        return {IoState::closed, 0};
    }
}

bool has_buffered_input(SSL* ssl) { return ssl != nullptr && SSL_pending(ssl) > 0; }

IoState accept_handshake(SSL* ssl, std::string& error)
{
    RE_ASSERT(ssl != nullptr);
    ERR_clear_error();
    int result = SSL_do_handshake(ssl);
    if (result == 1) {
        return IoState::done;
    }
    IoState state = tls_state(ssl, result);
    if (state == IoState::closed) {
        error = last_tls_error();
    }
    return state;
}

std::string last_tls_error()
{
    unsigned long code = ERR_peek_last_error();
    if (code == 0) {
        return "the connection closed during the handshake";
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

} // namespace raftescort::transport::http
