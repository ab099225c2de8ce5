// describe/pairs.hpp -- two doubles per operation: GCC's vector extension
// over SSE2, the x86-64 baseline (the tool is built for any x86-64; other
// targets get the same code in scalar or their own vector form).
//
// The hot loops (moments, NaN screening, the guessed ranges) keep several
// Pairs side by side, so that they run at memory speed instead of at the
// latency of one chain of operations.
#pragma once

#include <cstdint>
#include <cstring>

namespace concur::describe {

using Pair = double __attribute__((vector_size(16)));
using PairMask = std::int64_t __attribute__((vector_size(16)));  // lanes: 0 or -1

inline Pair load_pair(const double* p) noexcept {
    Pair v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline Pair splat(double x) noexcept {
    return Pair{x, x};
}

}  // namespace concur::describe
