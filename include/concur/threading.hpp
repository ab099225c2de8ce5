// concur/threading.hpp -- Python's `threading` (and `_thread`) for C++.
//
//   #include <concur/threading.hpp>
//   namespace threading = concur::threading;
//
// Threads: Thread, ThreadRef, Timer, current_thread, main_thread,
// active_count, enumerate, get_ident, get_native_id, excepthook,
// start_new_thread. Synchronisation: Lock, RLock, Condition, Semaphore,
// BoundedSemaphore, Event, Barrier. Per-thread data: local<T>. Output: print.
// Exceptions: RuntimeError, ValueError, TimeoutError, BrokenBarrierError.
// See docs/threading.md for the Python-to-C++ table.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/threading/exceptions.hpp>
#include <concur/threading/barrier.hpp>
#include <concur/threading/condition.hpp>
#include <concur/threading/event.hpp>
#include <concur/threading/excepthook.hpp>
#include <concur/threading/local.hpp>
#include <concur/threading/lock.hpp>
#include <concur/threading/print.hpp>
#include <concur/threading/rlock.hpp>
#include <concur/threading/semaphore.hpp>
#include <concur/threading/start_new_thread.hpp>
#include <concur/threading/thread.hpp>
#include <concur/threading/timer.hpp>
