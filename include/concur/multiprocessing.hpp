// concur/multiprocessing.hpp -- Python's `multiprocessing` for C++.
//
//   #include <concur/multiprocessing.hpp>
//   namespace mp = concur::multiprocessing;
//
// Process, current_process, parent_process, active_children, cpu_count;
// Pipe and Connection; Queue, SimpleQueue, JoinableQueue; Pool, AsyncResult, IMapIterator; shared
// memory (Value, Array; shared_memory::SharedMemory, ShareableList) and process-shared Lock, RLock,
// Semaphore, BoundedSemaphore, Condition, Event, Barrier; start methods and contexts
// (set_start_method, get_context, freeze_support); exceptions ProcessError, TimeoutError,
// WorkerLostError, RemoteError and the built-ins the module raises. See docs/multiprocessing.md for
// the Python-to-C++ table, what crosses a process boundary and the fault model.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/multiprocessing/array.hpp>
#include <concur/multiprocessing/barrier.hpp>
#include <concur/multiprocessing/condition.hpp>
#include <concur/multiprocessing/connection.hpp>
#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/event.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/lock.hpp>
#include <concur/multiprocessing/pool.hpp>
#include <concur/multiprocessing/process.hpp>
#include <concur/multiprocessing/queue.hpp>
#include <concur/multiprocessing/rlock.hpp>
#include <concur/multiprocessing/semaphore.hpp>
#include <concur/multiprocessing/shared_memory.hpp>
#include <concur/multiprocessing/value.hpp>
