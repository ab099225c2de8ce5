#include "describe/binary_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "describe/mapped_file.hpp"
#include "describe/splitmix.hpp"

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
    // Copied in blocks (a buffer read from stdin may not be aligned for
    // double); NaN values go along (the sink counts them as missing).
    double block[2048];
    for (std::uint64_t i = chunk.first; i < chunk.last;) {
        const std::uint64_t n = std::min<std::uint64_t>(std::size(block), chunk.last - i);
        std::memcpy(block, file.data() + i * sizeof(double), n * sizeof(double));
        sink.values(0, std::span<const double>(block, n));
        i += n;
    }
    file.release(chunk.first * sizeof(double), chunk.last * sizeof(double));
}

std::vector<double> BinarySource::sample(std::size_t, std::size_t count) const {
    std::vector<std::uint64_t> starts;  // first value index of each file
    std::uint64_t total = 0;
    for (const auto& file : files_) {
        starts.push_back(total);
        total += file->size() / sizeof(double);
    }
    std::vector<double> values;
    for (std::uint64_t i : sample_positions(total, count)) {
        const std::size_t f = static_cast<std::size_t>(
            std::upper_bound(starts.begin(), starts.end(), i) - starts.begin() - 1);
        double value;
        std::memcpy(&value, files_[f]->data() + (i - starts[f]) * sizeof(double), sizeof value);
        values.push_back(value);
    }
    return values;
}

std::string BinarySource::describe_position(std::uint64_t where) const {
    return fmt::format("value {}", (where & ((std::uint64_t{1} << kOffsetBits) - 1)) + 1);
}

std::uint64_t BinarySource::chunk_bytes(std::size_t chunk) const {
    return (chunks_[chunk].last - chunks_[chunk].first) * sizeof(double);
}

}  // namespace concur::describe
