// describe/memory_source.hpp -- one column of doubles already in memory (a
// view: the caller keeps them alive), named "x". What a program that has its
// data in an array hands to describe(); NaN values are missing.
#pragma once

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <span>

#include "describe/source.hpp"

namespace concur::describe {

class MemorySource final : public Source {
  public:
    static constexpr std::uint64_t kChunkValues = 1u << 19;

    explicit MemorySource(std::span<const double> values) : values_(values) {}

    const std::vector<std::string>& column_names() const override { return names_; }
    std::size_t chunk_count() const override {
        return (values_.size() + kChunkValues - 1) / kChunkValues;
    }
    void read(std::size_t chunk, ValueSink& sink) const override {
        const std::size_t first = chunk * kChunkValues;
        const auto part =
            values_.subspan(first, std::min<std::size_t>(kChunkValues, values_.size() - first));
        // Runs of numbers go out as they are; NaN splits them and counts as missing.
        std::size_t begin = 0;
        std::uint64_t missing = 0;
        for (std::size_t i = 0; i < part.size(); ++i) {
            if (!std::isnan(part[i])) continue;
            if (i > begin) sink.values(0, part.subspan(begin, i - begin));
            ++missing;
            begin = i + 1;
        }
        if (part.size() > begin) sink.values(0, part.subspan(begin));
        if (missing != 0) sink.missing(0, missing);
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
