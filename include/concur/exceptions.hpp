// concur/exceptions.hpp
// -----------------------------------------------------------------------------
// Python's built-in exceptions as C++ exception types, shared by every concur
// module. Each keeps its Python name and derives from the closest standard
// exception, so `catch (const std::exception&)` still catches everything and
// `catch (const concur::RuntimeError&)` reads like Python's `except RuntimeError`.
//
// Module-specific exceptions live with their module and its umbrella header
// re-exports them with the built-ins it raises (`queue::Empty` in
// <concur/queue/exceptions.hpp>, `threading::BrokenBarrierError` in
// <concur/threading/exceptions.hpp>, `futures::BrokenThreadPool` in
// <concur/futures/exceptions.hpp>); the ones several modules raise are here.
//
// Example:
//
//   try {
//       lock.release();                 // not held
//   } catch (const concur::RuntimeError& e) {
//       std::puts(e.what());            // "release unlocked lock"
//   }
#pragma once

#include <any>
#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

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

// Python's `concurrent.futures.CancelledError`: the result of a cancelled
// future was asked for. (asyncio will raise this same C++ type, although
// Python 3.8+ made asyncio's a separate BaseException subclass.)
class CancelledError : public std::runtime_error {
  public:
    CancelledError() : std::runtime_error("CancelledError: the future was cancelled") {}
    using std::runtime_error::runtime_error;
};

// Python's `ExceptionGroup` (3.11): several exceptions raised together
// (asyncio.TaskGroup's children). `exceptions()` holds each one, in the
// order they were raised; what() is Python's str(): "message (N
// sub-exception[s])".
class ExceptionGroup : public std::exception {
  public:
    ExceptionGroup(std::string message, std::vector<std::exception_ptr> exceptions)
        : message_(std::move(message)), exceptions_(std::move(exceptions)) {
        text_ = message_ + " (" + std::to_string(exceptions_.size()) + " sub-exception" +
                (exceptions_.size() == 1 ? ")" : "s)");
    }
    const char* what() const noexcept override { return text_.c_str(); }
    const std::string& message() const noexcept { return message_; }
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

  private:
    std::string message_;
    std::vector<std::exception_ptr> exceptions_;
    std::string text_;
};

// Python's `TypeError`: an operation not allowed for the object's kind
// (sending a value into a generator that has not started).
class TypeError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// Python's `StopIteration`: `next()` or `send()` on a generator that is
// exhausted. `value()` carries what the generator `co_return`ed (empty for
// none), as Python's `StopIteration.value`.
class StopIteration : public std::exception {
  public:
    StopIteration() = default;
    explicit StopIteration(std::any value) : value_(std::move(value)) {}
    const char* what() const noexcept override { return "StopIteration"; }
    const std::any& value() const noexcept { return value_; }

  private:
    std::any value_;
};

// Python's `StopAsyncIteration`: `co_await agen.anext()` on an
// asynchronous generator that is exhausted.
class StopAsyncIteration : public std::exception {
  public:
    const char* what() const noexcept override { return "StopAsyncIteration"; }
};

// Python's `GeneratorExit`: delivered at a suspended `co_yield` by
// `Generator::close()` (and when an unfinished generator is destroyed). In
// Python it derives from BaseException so that `except Exception` does not
// swallow it; here it derives from std::exception alone, not from
// RuntimeError or any other concur type.
class GeneratorExit : public std::exception {
  public:
    const char* what() const noexcept override { return "GeneratorExit"; }
};

// Python's `IndexError`: a sequence index out of range (ShareableList).
class IndexError : public std::out_of_range {
  public:
    using std::out_of_range::out_of_range;
};

// Python's `NotImplementedError`: the platform cannot do what was asked
// (multiprocessing.cpu_count() when the count is unknown).
class NotImplementedError : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

// Python's `OSError`: a system call failed. `errno_value()` is Python's
// `errno` attribute (0 when the error did not come from a system call).
class OSError : public std::runtime_error {
  public:
    explicit OSError(const std::string& message, int errno_value = 0)
        : std::runtime_error(message), errno_(errno_value) {}
    int errno_value() const noexcept { return errno_; }

  private:
    int errno_;
};

// Python's `FileNotFoundError` (an OSError, errno ENOENT): a name that does
// not exist (a shared-memory segment to attach to, a file to read).
class FileNotFoundError : public OSError {
  public:
    explicit FileNotFoundError(const std::string& message) : OSError(message, ENOENT) {}
};

// Python's `FileExistsError` (an OSError, errno EEXIST): creating a name
// that already exists (a shared-memory segment created twice).
class FileExistsError : public OSError {
  public:
    explicit FileExistsError(const std::string& message) : OSError(message, EEXIST) {}
};

// Python's `PermissionError` (an OSError, errno EACCES or EPERM).
class PermissionError : public OSError {
  public:
    explicit PermissionError(const std::string& message, int errno_value = EACCES)
        : OSError(message, errno_value) {}
};

// Python's `ConnectionError` (an OSError): the base of the connection
// errors below.
class ConnectionError : public OSError {
  public:
    using OSError::OSError;
};

// Python's `BrokenPipeError` (a ConnectionError, errno EPIPE): writing to a
// pipe or socket whose other end is closed (multiprocessing's
// Connection.send, asyncio's StreamWriter).
class BrokenPipeError : public ConnectionError {
  public:
    explicit BrokenPipeError(const std::string& message) : ConnectionError(message, EPIPE) {}
};

// Python's `ConnectionRefusedError` (errno ECONNREFUSED): nothing listens
// at the address connected to.
class ConnectionRefusedError : public ConnectionError {
  public:
    explicit ConnectionRefusedError(const std::string& message)
        : ConnectionError(message, ECONNREFUSED) {}
};

// Python's `ConnectionResetError` (errno ECONNRESET): the peer reset the
// connection, or it was lost.
class ConnectionResetError : public ConnectionError {
  public:
    explicit ConnectionResetError(const std::string& message)
        : ConnectionError(message, ECONNRESET) {}
};

// Python's `ConnectionAbortedError` (errno ECONNABORTED).
class ConnectionAbortedError : public ConnectionError {
  public:
    explicit ConnectionAbortedError(const std::string& message)
        : ConnectionError(message, ECONNABORTED) {}
};

// Python's `EOFError`: reading past the end (a pipe whose other end closed).
class EOFError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace concur
