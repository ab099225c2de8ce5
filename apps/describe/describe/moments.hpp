// describe/moments.hpp -- count, mean, sum of squared deviations, min and max
// of a stream of doubles, mergeable across chunks.
//
// Mirrors what numpy computes for `a.mean()` and `a.std(ddof=1)`, to within
// about 1e-15 relative: values are taken in blocks of kBlock; each block is
// summed (four accumulators), its mean taken, and its squared deviations from
// that mean summed in a second pass over the block while it is in L1 cache
// (the two-pass formula numpy uses). Blocks and chunks are combined with
// Chan, Golub and LeVeque's pairwise update, which is exact in exact
// arithmetic and stable in floating point. Merging the same chunks in the
// same order gives bit-identical results, so the tool's output does not
// depend on the number of workers.
//
// A block whose plain sum overflows (values near DBL_MAX) is folded in with
// Welford's update instead, so the mean of huge values stays finite.
//
// Not thread-safe: one Moments per chunk, merged by one thread.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

namespace concur::describe {

struct Moments {
    std::uint64_t count = 0;
    double mean = 0.0;
    double m2 = 0.0;  // sum of squared deviations from the mean
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();

    static constexpr std::size_t kBlock = 2048;

    // Adds values (none may be NaN: the sources report NaN as missing).
    void add(std::span<const double> values) noexcept;

    // Adds the values `other` summarises, as if they followed this one's.
    void merge(const Moments& other) noexcept;

    // Sample variance (ddof = 1); only meaningful when count >= 2.
    double sample_variance() const noexcept { return m2 / static_cast<double>(count - 1); }

    template <class Archive>
    void serialize(Archive& archive) {
        archive(count, mean, m2, min, max);
    }
};

}  // namespace concur::describe
