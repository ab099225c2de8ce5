// describe/csv_source.hpp -- CSV and TSV files (RFC 4180) as a Source.
//
// Files are memory-mapped (stdin and other non-regular files are read into
// memory) and cut into chunks of about kChunkBytes at record boundaries. A
// newline inside a quoted field is not a boundary: before cutting, the
// quotes before each cut are counted (the parity says whether the cut falls
// inside a quoted field; an escaped "" counts twice and keeps the parity),
// then each cut moves forward to the first newline outside quotes. A file
// without any quote skips the counting (one memchr over the file).
//
// A leading UTF-8 byte order mark is skipped. Cells: leading and trailing
// blanks and a trailing \r are ignored; a quoted
// cell may hold the delimiter, "" and newlines; numbers are parsed with
// fast_float (correctly rounded, as strtod); an empty cell and NA, NaN, nan,
// null (any case) are missing; blank lines are skipped. Several files are
// read as one table: each has its own header, and all must have the same
// columns.
//
// The header: with `has_header = nullopt` the first record is a header when
// one of its cells is not a number while the cell below it is (or there is no
// row below), so that a file of numbers only, or one whose text column starts
// in the first row, is read as data. Headerless columns are named column1,
// column2, ...
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "describe/source.hpp"

namespace concur::describe {

struct CsvOptions {
    char delimiter = '\0';  // '\0': '\t' for *.tsv/*.tab or a tab-only first line, else ','
    std::optional<bool> has_header;  // nullopt: detect (see above)
    std::uint64_t chunk_bytes = 4u << 20;
};

class CsvSource final : public Source {
  public:
    // Opens every path ("-" is stdin). Throws InputError: a missing or
    // unreadable file, an empty file, files whose columns differ.
    CsvSource(const std::vector<std::string>& paths, const CsvOptions& options);
    ~CsvSource() override;

    const std::vector<std::string>& column_names() const override { return names_; }
    std::size_t chunk_count() const override { return chunks_.size(); }
    void read(std::size_t chunk, ValueSink& sink) const override;
    std::string describe_position(std::uint64_t where) const override;
    std::uint64_t chunk_bytes(std::size_t chunk) const override;
    bool rereads_cheaply() const override { return false; }

    char delimiter() const noexcept { return delimiter_; }

  private:
    struct File;
    struct Chunk {
        std::size_t file;
        std::uint64_t begin, end;  // byte offsets in the file
    };

    void cut_into_chunks(std::size_t file, std::uint64_t body, std::uint64_t chunk_bytes);
    [[noreturn]] void fail_at(const File& file, std::uint64_t offset,
                              const std::string& what) const;

    std::vector<std::unique_ptr<File>> files_;
    std::vector<Chunk> chunks_;
    std::vector<std::string> names_;
    char delimiter_ = ',';
};

}  // namespace concur::describe
