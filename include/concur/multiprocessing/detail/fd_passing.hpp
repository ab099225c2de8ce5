// concur/multiprocessing/detail/fd_passing.hpp -- private: how handles
// (Value, Array, Lock, Queue, Connection, ...) cross into a process that does
// not inherit them by fork().
//
// A handle refers to a shared object through a file descriptor (a memfd
// mapping, a pipe). When a Process is started with "spawn" or "forkserver",
// its arguments are serialised; a handle's serialiser then calls send_fd(),
// which adds the descriptor to the FdSendScope open on this thread and writes
// the returned index. The start method carries the collected descriptors to
// the child (inherited across exec, or SCM_RIGHTS to the fork server), and the
// child deserialises inside an FdReceiveScope listing them in the same order:
// the handle's loader calls received_fd(index) and dup()s what it keeps.
//
// Outside a FdSendScope -- a Lock sent through a Pipe or a Queue -- send_fd()
// raises RuntimeError with Python's message ("Lock objects should only be
// shared between processes through inheritance").
//
// Scopes are per thread and do not nest. Not thread-safe across threads (each
// thread has its own scope).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace concur::multiprocessing::detail {

class FdSendScope {
  public:
    explicit FdSendScope(std::vector<int>& fds) noexcept;
    ~FdSendScope();
    FdSendScope(const FdSendScope&) = delete;
    FdSendScope& operator=(const FdSendScope&) = delete;

  private:
    std::vector<int>* previous_;
};

class FdReceiveScope {
  public:
    explicit FdReceiveScope(const std::vector<int>& fds) noexcept;
    ~FdReceiveScope();
    FdReceiveScope(const FdReceiveScope&) = delete;
    FdReceiveScope& operator=(const FdReceiveScope&) = delete;

  private:
    const std::vector<int>* previous_;
};

// Registers `fd` to travel with the value being serialised; returns its
// index. `what` names the handle type for the error message ("Lock").
// Raises RuntimeError outside a FdSendScope.
std::uint32_t send_fd(int fd, std::string_view what);

// The descriptor sent with `index` (owned by the receiving scope: dup() it to
// keep it). Raises ValueError for an index that was not sent, RuntimeError
// outside a FdReceiveScope.
int received_fd(std::uint32_t index);

}  // namespace concur::multiprocessing::detail
