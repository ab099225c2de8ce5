#include "describe/moments.hpp"

#include <algorithm>
#include <cmath>

namespace concur::describe {

namespace {

// One block by Welford's update: slower, but never overflows a sum.
Moments welford(std::span<const double> values) noexcept {
    Moments m;
    for (double x : values) {
        ++m.count;
        const double delta = x - m.mean;
        m.mean += delta / static_cast<double>(m.count);
        m.m2 += delta * (x - m.mean);
        m.min = std::min(m.min, x);
        m.max = std::max(m.max, x);
    }
    return m;
}

Moments block_moments(std::span<const double> values) noexcept {
    const std::size_t n = values.size();
    const double* x = values.data();
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i];
        s1 += x[i + 1];
        s2 += x[i + 2];
        s3 += x[i + 3];
    }
    for (; i < n; ++i) s0 += x[i];
    for (i = 0; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    const double sum = (s0 + s1) + (s2 + s3);
    if (!std::isfinite(sum) && std::isfinite(lo) && std::isfinite(hi)) return welford(values);
    Moments m;
    m.count = n;
    m.mean = sum / static_cast<double>(n);
    m.min = lo;
    m.max = hi;
    double d0 = 0, d1 = 0;
    for (i = 0; i + 2 <= n; i += 2) {
        const double a = x[i] - m.mean, b = x[i + 1] - m.mean;
        d0 += a * a;
        d1 += b * b;
    }
    if (i < n) {
        const double a = x[i] - m.mean;
        d0 += a * a;
    }
    m.m2 = d0 + d1;
    return m;
}

}  // namespace

void Moments::add(std::span<const double> values) noexcept {
    while (!values.empty()) {
        const std::size_t n = std::min(values.size(), kBlock);
        merge(block_moments(values.first(n)));
        values = values.subspan(n);
    }
}

void Moments::merge(const Moments& other) noexcept {
    if (other.count == 0) return;
    if (count == 0) {
        *this = other;
        return;
    }
    const double na = static_cast<double>(count), nb = static_cast<double>(other.count);
    const double n = na + nb;
    const double delta = other.mean - mean;
    // mean + delta * nb / n, written so that equal means stay exactly equal.
    mean = mean == other.mean ? mean : mean + delta * (nb / n);
    m2 = m2 + other.m2 + delta * delta * (na * nb / n);
    count += other.count;
    min = std::min(min, other.min);
    max = std::max(max, other.max);
}

}  // namespace concur::describe
