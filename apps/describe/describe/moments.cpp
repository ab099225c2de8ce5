#include "describe/moments.hpp"

#include "describe/pairs.hpp"

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

inline double total(Pair a, Pair b, Pair c, Pair d) noexcept {
    const Pair s = (a + b) + (c + d);
    return s[0] + s[1];
}

Moments block_moments(std::span<const double> values) noexcept {
    const std::size_t n = values.size();
    const double* x = values.data();
    constexpr double inf = std::numeric_limits<double>::infinity();
    Pair s0{}, s1{}, s2{}, s3{};
    Pair lo0{inf, inf}, lo1 = lo0, hi0{-inf, -inf}, hi1 = hi0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const Pair a = load_pair(x + i), b = load_pair(x + i + 2), c = load_pair(x + i + 4),
                   d = load_pair(x + i + 6);
        s0 += a;
        s1 += b;
        s2 += c;
        s3 += d;
        lo0 = a < lo0 ? a : lo0;
        lo1 = b < lo1 ? b : lo1;
        hi0 = a > hi0 ? a : hi0;
        hi1 = b > hi1 ? b : hi1;
        lo0 = c < lo0 ? c : lo0;
        lo1 = d < lo1 ? d : lo1;
        hi0 = c > hi0 ? c : hi0;
        hi1 = d > hi1 ? d : hi1;
    }
    double sum = total(s0, s1, s2, s3);
    double lo = std::min({lo0[0], lo0[1], lo1[0], lo1[1]});
    double hi = std::max({hi0[0], hi0[1], hi1[0], hi1[1]});
    for (; i < n; ++i) {
        sum += x[i];
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    if (!std::isfinite(sum) && std::isfinite(lo) && std::isfinite(hi)) return welford(values);
    Moments m;
    m.count = n;
    m.mean = sum / static_cast<double>(n);
    m.min = lo;
    m.max = hi;
    const Pair mean{m.mean, m.mean};
    Pair d0{}, d1{}, d2{}, d3{};
    for (i = 0; i + 8 <= n; i += 8) {
        const Pair a = load_pair(x + i) - mean, b = load_pair(x + i + 2) - mean,
                   c = load_pair(x + i + 4) - mean, d = load_pair(x + i + 6) - mean;
        d0 += a * a;
        d1 += b * b;
        d2 += c * c;
        d3 += d * d;
    }
    double m2 = total(d0, d1, d2, d3);
    for (; i < n; ++i) m2 += (x[i] - m.mean) * (x[i] - m.mean);
    m.m2 = m2;
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
