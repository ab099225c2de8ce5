// concur/threading/exceptions.hpp
// -----------------------------------------------------------------------------
// The exceptions `threading` raises, under `concur::threading` as Python's
// code spells them: its own BrokenBarrierError, and the built-ins it uses.
#pragma once

#include <concur/exceptions.hpp>

namespace concur {

// Python's `threading.BrokenBarrierError`, a subclass of RuntimeError there
// and here: raised by `Barrier::wait()` when the barrier is, or becomes, broken.
class BrokenBarrierError : public RuntimeError {
  public:
    BrokenBarrierError() : RuntimeError("barrier is broken") {}
    using RuntimeError::RuntimeError;
};

}  // namespace concur

namespace concur::threading {
using concur::BrokenBarrierError;
using concur::RuntimeError;
using concur::TimeoutError;
using concur::ValueError;
}  // namespace concur::threading
