// describe/order_key.hpp -- doubles as unsigned integers in the same order,
// read 16 bits at a time: the digits of the histogram selection.
//
// order_key(x) < order_key(y) exactly when x < y (with -0 just below +0), so
// the count of values whose key starts with a given 16-bit prefix is a
// histogram in value order, and narrowing the prefix 16 bits at a time finds
// any order statistic exactly in at most four histograms.
#pragma once

#include <bit>
#include <cstdint>

namespace concur::describe {

inline constexpr unsigned kDigitBits = 16;
inline constexpr std::uint64_t kDigits = std::uint64_t{1} << kDigitBits;
inline constexpr unsigned kMaxLevel = 64 / kDigitBits;  // digits in a key

inline std::uint64_t order_key(double x) noexcept {
    // Negative: flip every bit; positive: set the sign bit. Branch-free, so
    // loops over values vectorise.
    const auto bits = std::bit_cast<std::uint64_t>(x);
    const auto negative = static_cast<std::uint64_t>(static_cast<std::int64_t>(bits) >> 63);
    return bits ^ (negative | (std::uint64_t{1} << 63));
}

inline double key_value(std::uint64_t key) noexcept {
    const std::uint64_t bits = (key >> 63) != 0 ? key & ~(std::uint64_t{1} << 63) : ~key;
    return std::bit_cast<double>(bits);
}

// The first `level` digits of a key.
inline std::uint64_t key_prefix(std::uint64_t key, unsigned level) noexcept {
    return level == 0 ? 0 : key >> (64 - kDigitBits * level);
}

// Digit number `level` (0 = the highest 16 bits).
inline unsigned key_digit(std::uint64_t key, unsigned level) noexcept {
    return static_cast<unsigned>((key >> (64 - kDigitBits * (level + 1))) & (kDigits - 1));
}

}  // namespace concur::describe
