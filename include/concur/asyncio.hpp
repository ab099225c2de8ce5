// concur/asyncio.hpp -- Python's asyncio for C++20 coroutines, on libuv.
//
//   #include <concur/asyncio.hpp>
//   namespace asyncio = concur::asyncio;
//
// Coroutine<T>, Task<T>, Future<T>, EventLoop, run, create_task, sleep,
// gather, wait, wait_for, as_completed, shield, timeout, timeout_at,
// TaskGroup, current_task, all_tasks, new_event_loop, get_event_loop,
// set_event_loop, get_running_loop, to_thread, run_in_executor, wrap_future,
// run_coroutine_threadsafe; Lock, Event, Condition, Semaphore,
// BoundedSemaphore, Barrier, Queue, PriorityQueue, LifoQueue; streams
// (open_connection, start_server, open_unix_connection, start_unix_server,
// StreamReader, StreamWriter, Server); subprocesses
// (create_subprocess_exec, create_subprocess_shell, PIPE, DEVNULL);
// FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED; exceptions CancelledError,
// TimeoutError, InvalidStateError, QueueEmpty, QueueFull, QueueShutDown,
// BrokenBarrierError, IncompleteReadError, LimitOverrunError, ExceptionGroup.
// concur::AsyncGenerator<T> comes with it. See docs/asyncio.md.
#pragma once

#include <concur/asyncio/as_completed.hpp>
#include <concur/asyncio/barrier.hpp>
#include <concur/asyncio/condition.hpp>
#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/event.hpp>
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/exceptions.hpp>
#include <concur/asyncio/executor.hpp>
#include <concur/asyncio/gather.hpp>
#include <concur/asyncio/lock.hpp>
#include <concur/asyncio/queue.hpp>
#include <concur/asyncio/run.hpp>
#include <concur/asyncio/shield.hpp>
#include <concur/asyncio/sleep.hpp>
#include <concur/asyncio/streams.hpp>
#include <concur/asyncio/subprocess.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/asyncio/task_group.hpp>
#include <concur/asyncio/timeout.hpp>
#include <concur/asyncio/wait.hpp>
#include <concur/generator/async_generator.hpp>
