// describe/splitmix.hpp -- Vigna's splitmix64: the counter-based generator of
// --generate (value i depends on i only) and of the sample positions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace concur::describe {

inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// `count` positions in [0, n), pseudo-random, ascending (so reading them
// walks memory forward); all of 0..n-1 when count >= n.
inline std::vector<std::uint64_t> sample_positions(std::uint64_t n, std::uint64_t count) {
    std::vector<std::uint64_t> positions;
    if (count >= n) {
        for (std::uint64_t i = 0; i < n; ++i) positions.push_back(i);
        return positions;
    }
    positions.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) positions.push_back(splitmix64(i) % n);
    std::sort(positions.begin(), positions.end());
    return positions;
}

}  // namespace concur::describe
