// concur/multiprocessing/detail/popen.hpp -- private: one started child, as
// Python's `multiprocessing.popen_*` classes: its pid, its return code once it
// ended (reaped exactly once), signals, and a sentinel fd that becomes
// readable when it ends. Process and the pools hold one per child.
//
// Children of this process are watched through a pidfd (Linux >= 5.3):
// pollable, and signals sent through it cannot hit a recycled pid.
//
// Thread-safe: several threads may poll, wait and signal at once; the child is
// reaped by exactly one of them.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <concur/detail/deadline.hpp>

namespace concur::multiprocessing::detail {

class Popen {
  public:
    virtual ~Popen() = default;

    pid_t pid() const noexcept { return pid_; }

    // The return code if the child ended (0.., or -signal), else empty.
    // Never blocks.
    virtual std::optional<int> poll() = 0;
    // Waits until the child ends or `deadline` passes (null: forever).
    virtual std::optional<int> wait(const concur::detail::Deadline* deadline) = 0;
    // Sends `signal` unless the child has already been reaped.
    virtual void send_signal(int signal) = 0;
    // Readable once the child ended.
    virtual int sentinel() const noexcept = 0;

  protected:
    explicit Popen(pid_t pid) noexcept : pid_(pid) {}

  private:
    pid_t pid_;
};

// A child of this process, watched through a pidfd.
class ChildPopen final : public Popen {
  public:
    // Takes ownership of `pidfd`.
    ChildPopen(pid_t pid, int pidfd) noexcept;
    ~ChildPopen() override;
    ChildPopen(const ChildPopen&) = delete;
    ChildPopen& operator=(const ChildPopen&) = delete;

    std::optional<int> poll() override;
    std::optional<int> wait(const concur::detail::Deadline* deadline) override;
    void send_signal(int signal) override;
    int sentinel() const noexcept override { return pidfd_; }

  private:
    std::mutex mutex_;
    int pidfd_;
    std::optional<int> returncode_;
};

// fork()s; the child runs `child_main` and _exit()s with what it returns
// (flushing stdio first); the parent gets the child's Popen. Raises OSError
// when fork fails. The child is killed when this process dies.
std::unique_ptr<Popen> fork_child(const std::function<int()>& child_main);

// Leaves a forked child: stdout and stderr flushed when they hold output,
// then _exit(code) -- no atexit handlers or static destructors, as Python's
// children leave through os._exit().
[[noreturn]] void exit_child(int code) noexcept;

// fork()s and execs this program afresh (/proc/self/exe, the same argv) with
// the environment `make_environment(lifeline)` returns, keeping `keep_fds`
// open across the exec. `lifeline` is a descriptor the new program must watch
// (exit when it reads EOF: the parent died), or -1 when PR_SET_PDEATHSIG
// already covers it. Raises OSError when fork fails.
std::unique_ptr<Popen> exec_child(
    const std::vector<int>& keep_fds,
    const std::function<std::vector<std::string>(int lifeline)>& make_environment);

// In a program started by exec_child: exit when `lifeline` reads EOF.
void watch_lifeline(int lifeline);

// The number of threads of this process (for the fork warning).
int thread_count() noexcept;

}  // namespace concur::multiprocessing::detail
