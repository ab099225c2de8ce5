// describe/generated_source.hpp -- data made on the fly (--generate), one
// column named "x":
//
//   arange:N          0, 1, ..., N-1 (numpy.arange(N), the seed's data)
//   uniform:N[:SEED]  uniform [0, 1), value i = (splitmix64(SEED * 2^32 + i)
//                     >> 11) * 2^-53 (SEED 42 by default: W8's data)
//   normal:N[:SEED]   standard normal, Box-Muller of uniform values 2i, 2i+1
//
// Value i depends only on i (a counter-based generator), so any chunk can be
// made again by any worker, in any order, and nothing is stored: a later pass
// makes its chunk again rather than keeping N values in memory.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "describe/source.hpp"

namespace concur::describe {

class GeneratedSource final : public Source {
  public:
    static constexpr std::uint64_t kChunkValues = 1u << 19;

    // `spec` as above. Throws InputError for an unknown generator or a bad N.
    explicit GeneratedSource(const std::string& spec);

    const std::vector<std::string>& column_names() const override { return names_; }
    std::size_t chunk_count() const override {
        return static_cast<std::size_t>((count_ + kChunkValues - 1) / kChunkValues);
    }
    void read(std::size_t chunk, ValueSink& sink) const override;
    std::string describe_position(std::uint64_t where) const override;
    std::vector<double> sample(std::size_t column, std::size_t count) const override;
    std::uint64_t chunk_bytes(std::size_t chunk) const override;

    // The generator's value i.
    double value(std::uint64_t i) const noexcept;

  private:
    void fill(std::uint64_t first, std::span<double> out) const noexcept;

    enum class Kind { kArange, kUniform, kNormal };
    Kind kind_ = Kind::kArange;
    std::uint64_t count_ = 0;
    std::uint64_t seed_ = 42;
    std::vector<std::string> names_{"x"};
};

}  // namespace concur::describe
