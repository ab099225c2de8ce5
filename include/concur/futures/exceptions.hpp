// concur/futures/exceptions.hpp
// -----------------------------------------------------------------------------
// The exceptions `concurrent.futures` raises, under `concur::futures` as
// Python's code spells them: its own InvalidStateError, BrokenExecutor and
// BrokenThreadPool, BrokenProcessPool, and the built-ins it uses (CancelledError and TimeoutError
// are shared with asyncio, so they live in <concur/exceptions.hpp>).
#pragma once

#include <concur/exceptions.hpp>

namespace concur {

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

// Python's `concurrent.futures.process.BrokenProcessPool`: a worker process
// died abruptly (or its initializer failed); the pool fails every pending and
// later task with this.
class BrokenProcessPool : public BrokenExecutor {
  public:
    using BrokenExecutor::BrokenExecutor;
};

}  // namespace concur

namespace concur::futures {
using concur::BrokenExecutor;
using concur::BrokenProcessPool;
using concur::BrokenThreadPool;
using concur::CancelledError;
using concur::InvalidStateError;
using concur::RuntimeError;
using concur::TimeoutError;
using concur::ValueError;
}  // namespace concur::futures
