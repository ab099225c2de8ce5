// The per-thread SIGPIPE block of pipe writes (detail/sigpipe.hpp).
#include <concur/multiprocessing/detail/sigpipe.hpp>

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace concur::multiprocessing::detail {

namespace {

// Whether this thread has been through block_sigpipe_on_this_thread(), and
// whether SIGPIPE was unblocked before (the block is ours). fork() copies both
// with the mask they describe.
thread_local bool checked = false;
thread_local bool ours = false;

sigset_t sigpipe_set() noexcept {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return set;
}

}  // namespace

void block_sigpipe_on_this_thread() noexcept {
    if (checked) return;
    const sigset_t set = sigpipe_set();
    sigset_t previous;
    if (::pthread_sigmask(SIG_BLOCK, &set, &previous) != 0) return;  // try again next time
    ours = sigismember(&previous, SIGPIPE) == 0;
    checked = true;
}

void discard_raised_sigpipe() noexcept {
    const sigset_t set = sigpipe_set();
    const timespec zero{0, 0};
    while (::sigtimedwait(&set, nullptr, &zero) < 0 && errno == EINTR) {
    }
}

void unblock_sigpipe_before_exec() noexcept {
    if (!ours) return;
    const sigset_t set = sigpipe_set();
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace concur::multiprocessing::detail
