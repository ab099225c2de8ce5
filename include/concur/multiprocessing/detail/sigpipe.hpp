// concur/multiprocessing/detail/sigpipe.hpp -- private: how a write to a pipe
// whose reader is gone raises BrokenPipeError instead of ending the process.
//
// Python ignores SIGPIPE for the whole interpreter, so such a write fails with
// EPIPE. A library must not change the process's disposition, and blocking
// SIGPIPE around every write costs three system calls per message (about 3 us
// on a VM, more than the write itself). So the first pipe write of a thread
// blocks SIGPIPE on that thread and leaves it blocked: from then on a write to
// a closed pipe or socket from that thread fails with EPIPE, as in Python. The
// SIGPIPE such a write raises would stay pending while blocked;
// discard_raised_sigpipe() takes it off. Threads the thread starts inherit the
// block (as its children inherit the mask through fork()); a program concur
// execs (the spawn and forkserver start methods) starts with the mask it would
// have had.
#pragma once

namespace concur::multiprocessing::detail {

// Blocks SIGPIPE on the calling thread, once (a thread-local flag after the
// first call). Never throws.
void block_sigpipe_on_this_thread() noexcept;

// After a pipe write failed with EPIPE: discards the SIGPIPE it left pending
// on this thread (SIGPIPE is blocked here, by us or by the user; one that was
// already pending is discarded with it, as signals of a kind do not queue).
void discard_raised_sigpipe() noexcept;

// In a forked child about to execve(): unblocks SIGPIPE if our block is what
// blocked it. Async-signal-safe.
void unblock_sigpipe_before_exec() noexcept;

}  // namespace concur::multiprocessing::detail
