// describe/binary_source.hpp -- raw little-endian float64 files as a Source
// with one column, "x" (--binary).
//
// Files are memory-mapped (stdin is read into memory); several files are one
// column, concatenated. NaN values are missing. A file whose size is not a
// multiple of 8 is an InputError.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "describe/source.hpp"

namespace concur::describe {

class BinarySource final : public Source {
  public:
    static constexpr std::uint64_t kChunkValues = 1u << 19;

    // Throws InputError: a missing, unreadable or empty file, a size that is
    // not a multiple of 8.
    explicit BinarySource(const std::vector<std::string>& paths);
    ~BinarySource() override;

    const std::vector<std::string>& column_names() const override { return names_; }
    std::size_t chunk_count() const override { return chunks_.size(); }
    void read(std::size_t chunk, ValueSink& sink) const override;
    std::string describe_position(std::uint64_t where) const override;
    std::vector<double> sample(std::size_t column, std::size_t count) const override;
    std::uint64_t chunk_bytes(std::size_t chunk) const override;

  private:
    struct File;
    struct Chunk {
        std::size_t file;
        std::uint64_t first, last;  // value indices in the file
    };
    std::vector<std::unique_ptr<File>> files_;
    std::vector<Chunk> chunks_;
    std::vector<std::string> names_{"x"};
};

}  // namespace concur::describe
