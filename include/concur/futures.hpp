// concur/futures.hpp -- Python's `concurrent.futures` for C++.
//
//   #include <concur/futures.hpp>
//   namespace futures = concur::futures;
//
// Future<T>, ThreadPoolExecutor, ProcessPoolExecutor, wait, as_completed, FIRST_COMPLETED,
// FIRST_EXCEPTION, ALL_COMPLETED; exceptions TimeoutError, CancelledError,
// InvalidStateError, BrokenExecutor, BrokenThreadPool, BrokenProcessPool.
// See docs/futures.md for the Python-to-C++ table and the scheduler's design.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/futures/exceptions.hpp>
#include <concur/futures/executor.hpp>
#include <concur/futures/future.hpp>
#include <concur/futures/process_pool_executor.hpp>
#include <concur/futures/thread_pool_executor.hpp>
#include <concur/futures/wait.hpp>
