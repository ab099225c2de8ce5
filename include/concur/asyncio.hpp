// concur/asyncio.hpp -- Python's asyncio for C++20 coroutines, on libuv.
//
//   #include <concur/asyncio.hpp>
//   namespace asyncio = concur::asyncio;
//
// Coroutine<T>, Task<T>, Future<T>, EventLoop, run, create_task, sleep,
// gather, wait, wait_for, current_task, all_tasks, new_event_loop,
// get_event_loop, set_event_loop, get_running_loop; FIRST_COMPLETED,
// FIRST_EXCEPTION, ALL_COMPLETED; exceptions CancelledError, TimeoutError,
// InvalidStateError, QueueEmpty, QueueFull, QueueShutDown,
// IncompleteReadError, LimitOverrunError. See docs/asyncio.md.
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/exceptions.hpp>
#include <concur/asyncio/gather.hpp>
#include <concur/asyncio/run.hpp>
#include <concur/asyncio/sleep.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/asyncio/wait.hpp>
