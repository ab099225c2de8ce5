// describe/memory_source.hpp -- one column of doubles already in memory (a
// view: the caller keeps them alive), named "x". What a program that has its
// data in an array hands to describe(); NaN values are missing.
#pragma once

#include <fmt/format.h>
#include <algorithm>
#include <span>

#include "describe/source.hpp"
#include "describe/splitmix.hpp"

namespace concur::describe {

class MemorySource final : public Source {
  public:
    static constexpr std::uint64_t kChunkValues = 1u << 19;
    static constexpr std::size_t kBlock = 2048;

    explicit MemorySource(std::span<const double> values) : values_(values) {}

    const std::vector<std::string>& column_names() const override { return names_; }
    std::size_t chunk_count() const override {
        return (values_.size() + kChunkValues - 1) / kChunkValues;
    }
    void read(std::size_t chunk, ValueSink& sink) const override {
        const std::size_t first = chunk * kChunkValues;
        const auto part =
            values_.subspan(first, std::min<std::size_t>(kChunkValues, values_.size() - first));
        // Block by block: the sink's work on a block then finds it in L1
        // cache. NaN values go along (the sink counts them as missing).
        for (std::size_t at = 0; at < part.size(); at += kBlock)
            sink.values(0, part.subspan(at, std::min(kBlock, part.size() - at)));
    }
    std::vector<double> sample(std::size_t, std::size_t count) const override {
        std::vector<double> values;
        for (std::uint64_t i : sample_positions(values_.size(), count))
            values.push_back(values_[i]);
        return values;
    }
    std::string describe_position(std::uint64_t where) const override {
        return fmt::format("value {}", where + 1);
    }
    std::uint64_t chunk_bytes(std::size_t chunk) const override {
        const std::size_t first = chunk * kChunkValues;
        return std::min<std::size_t>(kChunkValues, values_.size() - first) * sizeof(double);
    }

  private:
    std::span<const double> values_;
    std::vector<std::string> names_{"x"};
};

}  // namespace concur::describe
