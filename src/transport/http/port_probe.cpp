// One TCP connect, to tell a gone process from a slow one (port_probe.hpp).

#include "transport/http/port_probe.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace raftescort::transport::http {

namespace {

struct AddressListDeleter {
    void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

class Socket {
public:
    explicit Socket(int fd) : m_fd(fd) { }
    ~Socket()
    {
        if (m_fd >= 0) {
            close(m_fd);
        }
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return m_fd; }

private:
    int m_fd;
};

bool bind_source(int fd, int family, const std::string& source_ip)
{
    if (family == AF_INET) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        return inet_pton(AF_INET, source_ip.c_str(), &local.sin_addr) == 1
               && bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0;
    }
    sockaddr_in6 local{};
    local.sin6_family = AF_INET6;
    return inet_pton(AF_INET6, source_ip.c_str(), &local.sin6_addr) == 1
           && bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0;
}

} // namespace

bool connection_refused(const std::string& host, std::uint16_t port, const std::string& source_ip,
                        std::chrono::milliseconds timeout)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
        return false;
    }
    std::unique_ptr<addrinfo, AddressListDeleter> addresses(found);
    const addrinfo& address = *addresses;
    Socket socket_fd(socket(address.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket_fd.fd() < 0) {
        return false;
    }
    // The same source as the sender's own connections, so that a link cut
    // by address (iptables in the tests) cuts the probe too.
    if (!source_ip.empty() && !bind_source(socket_fd.fd(), address.ai_family, source_ip)) {
        return false;
    }
    if (connect(socket_fd.fd(), address.ai_addr, address.ai_addrlen) == 0) {
        return false;
    }
    if (errno != EINPROGRESS) {
        return errno == ECONNREFUSED;
    }
    pollfd waiting{socket_fd.fd(), POLLOUT, 0};
    if (poll(&waiting, 1, static_cast<int>(timeout.count())) != 1) {
        return false;
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(socket_fd.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        return false;
    }
    return error == ECONNREFUSED;
}

} // namespace raftescort::transport::http
