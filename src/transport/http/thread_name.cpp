// Thread names (include/raftescort/transport/thread_name.hpp).

#include <raftescort/transport/thread_name.hpp>

#include <algorithm>
#include <cstring>

#include <pthread.h>

namespace raftescort::transport {

void name_this_thread(std::string_view name)
{
    // 15 bytes and the terminating NUL: longer names make the call fail.
    char buffer[16];
    std::size_t length = std::min(name.size(), sizeof(buffer) - 1);
    std::memcpy(buffer, name.data(), length);
    buffer[length] = '\0';
    // A name is a debugging aid: a failure changes nothing else.
    (void)pthread_setname_np(pthread_self(), buffer);
}

} // namespace raftescort::transport
