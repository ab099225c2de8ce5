// concur/asyncio/exceptions.hpp
// -----------------------------------------------------------------------------
// asyncio's own exceptions, and the built-ins and concurrent.futures ones it
// raises under the same names.
//
//   Python                          concur
//   ------------------------------  --------------------------------------------
//   asyncio.CancelledError          concur::CancelledError (asyncio::CancelledError)
//   asyncio.TimeoutError            concur::TimeoutError   (asyncio::TimeoutError)
//   asyncio.InvalidStateError       asyncio::InvalidStateError (the same C++ type
//                                   as futures::InvalidStateError)
//   asyncio.QueueEmpty / QueueFull  asyncio::QueueEmpty / asyncio::QueueFull
//   asyncio.QueueShutDown           asyncio::QueueShutDown
//   asyncio.IncompleteReadError     asyncio::IncompleteReadError (partial(), expected())
//   asyncio.LimitOverrunError       asyncio::LimitOverrunError (consumed())
//
// Difference from Python: CancelledError is one C++ type for futures and
// asyncio (Python 3.8+ made asyncio's a BaseException); `catch (const
// std::exception&)` catches it, so code that swallows every exception must
// rethrow concur::CancelledError, as Python code must re-raise it.
#pragma once

#include <concur/exceptions.hpp>
#include <concur/futures/exceptions.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace concur::asyncio {

using concur::CancelledError;
using concur::InvalidStateError;
using concur::RuntimeError;
using concur::TimeoutError;
using concur::ValueError;

// Python's `asyncio.QueueEmpty`: get_nowait() on an empty queue.
class QueueEmpty : public std::runtime_error {
  public:
    QueueEmpty() : std::runtime_error("QueueEmpty") {}
};

// Python's `asyncio.QueueFull`: put_nowait() on a full queue.
class QueueFull : public std::runtime_error {
  public:
    QueueFull() : std::runtime_error("QueueFull") {}
};

// Python's `asyncio.QueueShutDown` (3.13): put/get on a shut-down queue.
class QueueShutDown : public std::runtime_error {
  public:
    QueueShutDown() : std::runtime_error("QueueShutDown") {}
};

// Python's `asyncio.IncompleteReadError` (an EOFError): the stream ended
// before readexactly()/readuntil() had what they needed. `partial()` holds
// the bytes read before the end; `expected()` the count asked for (empty
// for readuntil).
class IncompleteReadError : public concur::EOFError {
  public:
    IncompleteReadError(std::string partial, std::optional<std::size_t> expected)
        : concur::EOFError(message(partial.size(), expected)),
          partial_(std::move(partial)),
          expected_(expected) {}
    const std::string& partial() const noexcept { return partial_; }
    std::optional<std::size_t> expected() const noexcept { return expected_; }

  private:
    static std::string message(std::size_t got, std::optional<std::size_t> expected) {
        return std::to_string(got) + " bytes read on a total of " +
               (expected ? std::to_string(*expected) : std::string("undefined")) +
               " expected bytes";
    }
    std::string partial_;
    std::optional<std::size_t> expected_;
};

// Python's `asyncio.LimitOverrunError`: readuntil()/readline() found no
// separator within the stream's limit. `consumed()` is how many bytes may be
// consumed to get past the limit.
class LimitOverrunError : public std::runtime_error {
  public:
    LimitOverrunError(const std::string& message, std::size_t consumed)
        : std::runtime_error(message), consumed_(consumed) {}
    std::size_t consumed() const noexcept { return consumed_; }

  private:
    std::size_t consumed_;
};

}  // namespace concur::asyncio
