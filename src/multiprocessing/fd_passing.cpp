// The per-thread scopes of detail/fd_passing.hpp.
#include <concur/multiprocessing/detail/fd_passing.hpp>

#include <string>

#include <concur/exceptions.hpp>

namespace concur::multiprocessing::detail {

namespace {
thread_local std::vector<int>* sending = nullptr;
thread_local const std::vector<int>* receiving = nullptr;
}  // namespace

FdSendScope::FdSendScope(std::vector<int>& fds) noexcept : previous_(sending) {
    sending = &fds;
}
FdSendScope::~FdSendScope() {
    sending = previous_;
}

FdReceiveScope::FdReceiveScope(const std::vector<int>& fds) noexcept : previous_(receiving) {
    receiving = &fds;
}
FdReceiveScope::~FdReceiveScope() {
    receiving = previous_;
}

std::uint32_t send_fd(int fd, std::string_view what) {
    if (sending == nullptr)
        throw RuntimeError(std::string(what) +
                           " objects should only be shared between processes through inheritance");
    sending->push_back(fd);
    return static_cast<std::uint32_t>(sending->size() - 1);
}

int received_fd(std::uint32_t index) {
    if (receiving == nullptr)
        throw RuntimeError("a handle was deserialised outside a process start");
    if (index >= receiving->size())
        throw ValueError("a handle refers to descriptor #" + std::to_string(index) + " of " +
                         std::to_string(receiving->size()) + " sent");
    return (*receiving)[index];
}

}  // namespace concur::multiprocessing::detail
