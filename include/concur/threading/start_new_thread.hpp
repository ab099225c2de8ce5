// concur/threading/start_new_thread.hpp
// -----------------------------------------------------------------------------
// Python's low-level `_thread` module: `start_new_thread(function, args...)`
// runs `function(args...)` in a new thread and returns its identifier
// (get_ident() of the new thread). There is no Thread object and no join:
// wait for such threads yourself (a Lock, an Event, a Queue). They are not
// waited for at process exit (as in Python), and appear in enumerate() as
// "Dummy-N" threads only once they call current_thread(). An exception that
// escapes `function` is reported through excepthook.
//
// Also here, as `_thread` has it: `allocate_lock()`.
//
// Example (the seed's lesson; main waits on a lock each thread releases):
//
//   auto done = threading::allocate_lock();
//   done->acquire();
//   threading::start_new_thread([&] { print_epoch("thread 1", 1); done->release(); });
//   done->acquire();                          // blocks until the thread released it
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include <concur/threading/lock.hpp>
#include <concur/threading/thread.hpp>

namespace concur::detail {
std::uint64_t start_detached(Task task);
}  // namespace concur::detail

namespace concur::threading {

// Starts `function(args...)` in a new thread; returns its ident. Raises
// RuntimeError ("can't start new thread") if the OS refuses. Never blocks.
template <class F, class... Args>
std::uint64_t start_new_thread(F&& function, Args&&... args) {
    return concur::detail::start_detached(
        concur::detail::bind_task(std::forward<F>(function), std::forward<Args>(args)...));
}

// `_thread.allocate_lock()`: a new Lock.
inline std::unique_ptr<Lock> allocate_lock() { return std::make_unique<Lock>(); }

}  // namespace concur::threading
