#include "describe/binary_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "describe/mapped_file.hpp"

namespace concur::describe {

struct BinarySource::File : MappedFile {
    using MappedFile::MappedFile;
};

namespace {
constexpr std::uint64_t kOffsetBits = 48;  // positions: file << 48 | value index
}

BinarySource::BinarySource(const std::vector<std::string>& paths) {
    for (const std::string& path : paths) {
        auto file = std::make_unique<File>(path);
        if (file->size() == 0) throw InputError(fmt::format("{}: empty file", file->name()));
        if (file->size() % sizeof(double) != 0)
            throw InputError(fmt::format(
                "{}: size {} is not a multiple of 8 (--binary reads little-endian float64)",
                file->name(), file->size()));
        const std::uint64_t n = file->size() / sizeof(double);
        for (std::uint64_t first = 0; first < n; first += kChunkValues)
            chunks_.push_back({files_.size(), first, std::min(n, first + kChunkValues)});
        files_.push_back(std::move(file));
    }
}

BinarySource::~BinarySource() = default;

void BinarySource::read(std::size_t chunk_index, ValueSink& sink) const {
    const Chunk& chunk = chunks_[chunk_index];
    const File& file = *files_[chunk.file];
    // Copied in blocks (the mapping may not be aligned for double in a
    // buffer read from stdin) with NaN taken out as missing.
    double block[2048];
    std::uint64_t missing = 0;
    for (std::uint64_t i = chunk.first; i < chunk.last;) {
        const std::uint64_t n = std::min<std::uint64_t>(std::size(block), chunk.last - i);
        std::memcpy(block, file.data() + i * sizeof(double), n * sizeof(double));
        std::size_t kept = 0;
        for (std::size_t k = 0; k < n; ++k) {
            block[kept] = block[k];
            kept += !std::isnan(block[k]);
        }
        missing += n - kept;
        if (kept != 0) sink.values(0, std::span<const double>(block, kept));
        i += n;
    }
    if (missing != 0) sink.missing(0, missing);
    file.release(chunk.first * sizeof(double), chunk.last * sizeof(double));
}

std::string BinarySource::describe_position(std::uint64_t where) const {
    return fmt::format("value {}", (where & ((std::uint64_t{1} << kOffsetBits) - 1)) + 1);
}

std::uint64_t BinarySource::chunk_bytes(std::size_t chunk) const {
    return (chunks_[chunk].last - chunks_[chunk].first) * sizeof(double);
}

}  // namespace concur::describe
