#pragma once

// Every raftescort HTTP server (node and proxy): cpp-httplib's, with a listen
// backlog that fits a cluster member and a public endpoint. cpp-httplib 0.11 listens with a backlog
// of 5, so a burst of new connections (peers reconnecting after a partition heals, a dashboard
// reconnecting, a script's parallel requests) overflows the accept queue and the kernel drops SYNs,
// which the clients only resend after a second. listen() on a listening socket sets a new backlog
// (Linux), and the socket is a protected member, hence the subclass.

#include <httplib.h>

#include <sys/socket.h>

namespace raftescort::transport {

class HttpServer : public httplib::Server {
public:
    /// Enough for every peer, the proxy and a burst of scripts at once.
    static constexpr int k_listen_backlog = 256;

    /// After bind_to_port/bind_to_any_port; false if the socket refused it.
    bool widen_listen_backlog(int backlog)
    {
        const socket_t socket = svr_sock_;
        return socket != INVALID_SOCKET && ::listen(socket, backlog) == 0;
    }
};

} // namespace raftescort::transport
