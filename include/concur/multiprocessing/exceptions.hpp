// concur/multiprocessing/exceptions.hpp
// -----------------------------------------------------------------------------
// The exceptions `multiprocessing` raises, under `concur::multiprocessing` as
// Python's code spells them: ProcessError and its subclasses, RemoteError,
// and the built-ins the module uses (re-exported from <concur/exceptions.hpp>).
// `futures::BrokenProcessPool` lives with the futures exceptions.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <concur/exceptions.hpp>
#include <concur/queue/exceptions.hpp>

namespace concur::multiprocessing {

// Python's `multiprocessing.ProcessError`: the base of the module's own errors.
class ProcessError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Python's `multiprocessing.BufferTooShort`: Connection::recv_bytes_into()
// received a message longer than the buffer. message() holds the whole
// message (Python: `e.args[0]`); empty when the exception came from another
// process.
class BufferTooShort : public ProcessError {
  public:
    explicit BufferTooShort(const std::string& what, std::vector<std::byte> message = {})
        : ProcessError(what),
          message_(std::make_shared<const std::vector<std::byte>>(std::move(message))) {}
    const std::vector<std::byte>& message() const noexcept { return *message_; }

  private:
    std::shared_ptr<const std::vector<std::byte>> message_;  // copies must not throw
};

// Python's `multiprocessing.TimeoutError`: AsyncResult::get(timeout) ran out
// of time. (A ProcessError, unlike the built-in concur::TimeoutError.)
class TimeoutError : public ProcessError {
  public:
    using ProcessError::ProcessError;
};

// A pool worker died (killed, crashed) while running a task. Python's Pool
// hangs in that case (cpython#96062); concur's fails that task with this
// error, replaces the worker and goes on. The name is billiard's (Celery's
// fork of multiprocessing), the library that fixed the hang.
class WorkerLostError : public ProcessError {
  public:
    using ProcessError::ProcessError;
};

// Python's `multiprocessing.managers.RemoteError`: an exception raised in
// another process whose type has no C++ counterpart here; what() carries the
// original type name and message ("MyError: what went wrong").
class RemoteError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The built-ins the module raises.
using concur::BrokenPipeError;
using concur::EOFError;
using concur::FileNotFoundError;
using concur::OSError;
using concur::RuntimeError;
using concur::ValueError;
using concur::queue::Empty;
using concur::queue::Full;

}  // namespace concur::multiprocessing
