// describe/stored_source.hpp -- the values the first pass kept in memory, as
// a Source with the same chunks and columns as the one they came from.
//
// The first pass keeps each chunk's values when they fit in the memory
// budget (describe/scan.hpp); the later passes then read them from here
// instead of parsing the input again.
#pragma once

#include <span>
#include <vector>

#include "describe/source.hpp"

namespace concur::describe {

class StoredSource final : public Source {
  public:
    // values[chunk][column]; `origin` names the columns and positions.
    StoredSource(const Source& origin, std::vector<std::vector<std::vector<double>>> values)
        : origin_(origin), values_(std::move(values)) {}

    const std::vector<std::string>& column_names() const override { return origin_.column_names(); }
    std::size_t chunk_count() const override { return values_.size(); }
    void read(std::size_t chunk, ValueSink& sink) const override {
        for (std::size_t c = 0; c < values_[chunk].size(); ++c)
            if (!values_[chunk][c].empty()) sink.values(c, values_[chunk][c]);
    }
    std::string describe_position(std::uint64_t where) const override {
        return origin_.describe_position(where);
    }
    std::uint64_t chunk_bytes(std::size_t chunk) const override {
        std::uint64_t bytes = 0;
        for (const auto& column : values_[chunk]) bytes += column.size() * sizeof(double);
        return bytes;
    }

  private:
    const Source& origin_;
    std::vector<std::vector<std::vector<double>>> values_;
};

}  // namespace concur::describe
