// concur/exceptions.hpp
// -----------------------------------------------------------------------------
// Python's built-in exceptions as C++ exception types, shared by every concur
// module. Each keeps its Python name and derives from the closest standard
// exception, so `catch (const std::exception&)` still catches everything and
// `catch (const concur::RuntimeError&)` reads like Python's `except RuntimeError`.
//
// Module-specific exceptions live with their module (`queue::Empty`,
// `queue::Full`, `queue::ShutDown`); the ones several modules raise are here.
//
// Example:
//
//   try {
//       lock.release();                 // not held
//   } catch (const concur::RuntimeError& e) {
//       std::puts(e.what());            // "release unlocked lock"
//   }
#pragma once

#include <stdexcept>
#include <string>

namespace concur {

// Python's `RuntimeError`: misuse of an object in its current state
// (starting a thread twice, releasing an unheld lock, ...).
class RuntimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Python's `ValueError`: an argument with the right type but a bad value
// (a negative timeout, a semaphore released too many times, ...).
class ValueError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Python's `TimeoutError` (which `concurrent.futures.TimeoutError` and
// `asyncio.TimeoutError` alias since Python 3.11).
class TimeoutError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Python's `threading.BrokenBarrierError`, a subclass of RuntimeError there
// and here: raised by `Barrier::wait()` when the barrier is, or becomes, broken.
class BrokenBarrierError : public RuntimeError {
public:
    BrokenBarrierError() : RuntimeError("barrier is broken") {}
    using RuntimeError::RuntimeError;
};

// Python's `concurrent.futures.CancelledError`: the result of a cancelled
// future was asked for. (asyncio will raise this same C++ type, although
// Python 3.8+ made asyncio's a separate BaseException subclass.)
class CancelledError : public std::runtime_error {
public:
    CancelledError() : std::runtime_error("CancelledError: the future was cancelled") {}
    using std::runtime_error::runtime_error;
};

// Python's `concurrent.futures.InvalidStateError`: a future's result or
// exception was set twice, or set on a cancelled future.
class InvalidStateError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// Python's `concurrent.futures.BrokenExecutor`: an executor can no longer run
// work (a failed initializer; later, a dead worker process).
class BrokenExecutor : public RuntimeError {
public:
    using RuntimeError::RuntimeError;
};

// Python's `concurrent.futures.thread.BrokenThreadPool`.
class BrokenThreadPool : public BrokenExecutor {
public:
    using BrokenExecutor::BrokenExecutor;
};

}  // namespace concur

// Each module re-exports the exceptions it raises under its own namespace, so
// that `threading::RuntimeError` reads as Python's `threading` code does.
namespace concur::threading {
using concur::BrokenBarrierError;
using concur::RuntimeError;
using concur::TimeoutError;
using concur::ValueError;
}  // namespace concur::threading

namespace concur::queue {
using concur::ValueError;
}  // namespace concur::queue

namespace concur::futures {
using concur::BrokenExecutor;
using concur::BrokenThreadPool;
using concur::CancelledError;
using concur::InvalidStateError;
using concur::RuntimeError;
using concur::TimeoutError;
using concur::ValueError;
}  // namespace concur::futures
